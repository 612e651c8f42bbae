// The reference app (apps/web) as a production server, started the way
// `npm start` starts it, when a current build exists (or --web on builds it).
// Sign-up gives a session cookie; API calls carry it and the app's Origin.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { URLSearchParams } from 'node:url';
import { send } from './http.js';
import { REPO } from './paths.js';
import { freePort, sleep } from './scope.js';

const APP_DIR = join(REPO, 'apps/web');

/**
 * Can the app be used in this run? `auto`: only with a current build; `on`: build it if needed (a failed build throws).
 * @param {'auto' | 'on' | 'off'} mode
 * @param {(msg: string) => void} log
 * @returns {Promise<string | null>} why not, or null
 */
export async function webUnavailable(mode, log) {
  if (mode === 'off') return 'off (--web off, or --quick without --web on)';
  const { buildNeeded } = await import(join(APP_DIR, 'scripts/build-state.js'));
  const reason = buildNeeded(APP_DIR);
  if (!reason) return null;
  if (mode === 'auto') return `no current build of apps/web (${reason}); pass --web on to build it (20-75 s)`;
  log(`building apps/web (${reason})`);
  const nextBin = createRequire(join(APP_DIR, 'package.json')).resolve('next/dist/bin/next');
  const r = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: APP_DIR,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  // Asked for explicitly: a failed build fails the class rather than hiding the web figures.
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status}): ${r.stderr.replace(/\s+/g, ' ').slice(-300)}`);
  return null;
}

/**
 * Start the app on a free port with `env`; resolves once /signin answers.
 * @param {import('./scope.js').Scope} scope
 * @param {Record<string, string>} env
 */
export async function startWebApp(scope, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(APP_DIR, 'scripts/start.js')], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    // start.js spawned `next start`: signal the process group it leads.
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  };
  scope.defer(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web app exited at start: ${output.slice(-500)}`);
    if ((await send(url, { path: '/signin', timeoutMs: 5000 })).status === 200) break;
    if (Date.now() > deadline) throw new Error(`web app did not answer in 90 s: ${output.slice(-500)}`);
    await sleep(250);
  }
  return { url, output: () => output, stop };
}

/**
 * Sign up a new user; returns a client that calls the app as that user.
 * @param {string} url
 * @param {string} email
 */
export async function webUser(url, email) {
  const origin = url;
  const signup = await send(url, {
    method: 'POST',
    path: '/auth/signup',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: 'a long enough passphrase 123' }).toString(),
  });
  const cookie = /set-cookie: ([^;\n]+)/i.exec(signup.head)?.[1];
  if (signup.status !== 303 || !cookie) throw new Error(`web sign-up failed: ${signup.status} ${signup.body.slice(0, 200)}`);
  return {
    cookie,
    /**
     * @param {string} method
     * @param {string} path
     * @param {unknown} [json]
     * @param {{ signedOut?: boolean }} [opts]
     */
    call: (method, path, json, opts = {}) =>
      send(url, {
        method,
        path,
        headers: {
          origin,
          ...(!opts.signedOut && { cookie }),
          ...(json !== undefined && { 'content-type': 'application/json' }),
        },
        ...(json !== undefined && { body: JSON.stringify(json) }),
      }),
  };
}
