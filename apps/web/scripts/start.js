#!/usr/bin/env node
// `npm start` for the reference app: build the Next.js app when there is no
// current production build, then serve it on PORT (default 3000).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNeeded } from './build-state.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const nextBin = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
const port = process.env.PORT ?? '3000';
// Loopback unless told otherwise: the embedded defaults (emulator, a generated
// development key) are for this machine only. HOST=0.0.0.0 in a container.
const host = process.env.HOST ?? '127.0.0.1';

const reason = buildNeeded(appDir);
if (reason) {
  console.log(`[web] production build ${reason}: running next build (takes a minute or two the first time)...`);
  const started = Date.now();
  const build = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: appDir,
    stdio: 'inherit',
    // Always a production build: a stray NODE_ENV (test, development) would change next.config's headers.
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  console.log(`[web] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A loopback port that was free a moment ago. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(String(free)));
    });
  });

// The embedded emulator (used when no Plaid credentials or PLAID_BASE_URL are given) serves
// the offline Link; the page CSP must name its origin before it starts, so its port is fixed here.
const emulatorPort = process.env.PLAID_EMULATOR_PORT || (await freePort());

// server.js is `next start` behind a guard that refuses what Next would answer with a 500
// (request-guard.js). cwd is the app directory, so the embedded defaults live in apps/web/.data.
const server = spawn(process.execPath, [join(appDir, 'scripts', 'server.js')], {
  cwd: appDir,
  stdio: 'inherit',
  // NEXT_MANUAL_SIG_HANDLE: instrumentation.ts closes the vault (flushing its audit log) before exiting.
  env: {
    ...process.env,
    NODE_ENV: 'production',
    PORT: port,
    HOST: host,
    PLAID_EMULATOR_PORT: emulatorPort,
    NEXT_MANUAL_SIG_HANDLE: 'true',
    NEXT_TELEMETRY_DISABLED: '1',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
