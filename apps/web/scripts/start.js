#!/usr/bin/env node
// `npm start` for the reference app: build the standalone server when there is no
// current build (scripts/build.js), then serve it on PORT (default 3000). What this
// runs is what a deployment copies: `.next/standalone`, started with `node server.js`
// (scripts/server.js: Next behind the request guard).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAppBuilt } from './build.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '3000';
// Loopback unless told otherwise: the embedded defaults (emulator, a generated
// development key) are for this machine only. HOST=0.0.0.0 in a container.
const host = process.env.HOST ?? '127.0.0.1';
// WEB_TEST_BUILD=1 (the E2E harness, the HTTP bench): the test build, in .next-test.
const test = process.env.WEB_TEST_BUILD === '1';

let server;
try {
  ({ server } = ensureAppBuilt(appDir, { test, log: console.log }));
} catch (err) {
  console.error(`[web] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

/** A loopback port that was free a moment ago. */
const freePort = () =>
  new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolvePort(String(free)));
    });
  });

// The embedded emulator (used when no Plaid credentials or PLAID_BASE_URL are given) serves
// the offline Link; the page CSP must name its origin before it starts, so its port is fixed here.
const emulatorPort = process.env.PLAID_EMULATOR_PORT || (await freePort());

const child = spawn(process.execPath, [server], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_ENV: 'production',
    PORT: port,
    // The standalone server reads HOSTNAME (and would listen on every interface without it).
    HOSTNAME: host,
    PLAID_EMULATOR_PORT: emulatorPort,
    // server.js changes into its own folder, which the next build replaces: keep the embedded
    // defaults (SQLite, generated secrets) in apps/web/.data, relative to apps/web as before.
    WEB_DATA_DIR: resolve(appDir, process.env.WEB_DATA_DIR ?? '.data'),
    NEXT_TELEMETRY_DISABLED: '1',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
