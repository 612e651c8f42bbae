/**
 * The reference app as a real production server for the E2E suite: built with
 * `next build` when the build is missing or older than the sources, started
 * through `scripts/start.js` (the same path as `npm start`), logs captured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
// @ts-expect-error plain ESM script without types
import { buildNeeded } from '../../scripts/build-state.js';

export const APP_DIR = join(import.meta.dirname, '..', '..');
export const REPO_DIR = join(APP_DIR, '..', '..');

/** Build the workspace packages (if never built) and the Next app (if missing or stale). Returns seconds spent. */
export function ensureBuilt(): { packagesSeconds: number; nextSeconds: number; reason: string | null } {
  let t = Date.now();
  const packagesBuilt =
    existsSync(join(REPO_DIR, 'packages/vault/dist/index.js')) && existsSync(join(REPO_DIR, 'packages/plaid-sandbox/dist/index.js'));
  if (!packagesBuilt)
    run(process.execPath, [join(REPO_DIR, 'node_modules/typescript/bin/tsc'), '-b', 'packages/plaid-sandbox', 'packages/vault'], REPO_DIR);
  const packagesSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const reason = buildNeeded(APP_DIR) as string | null;
  if (reason) run(process.execPath, [join(REPO_DIR, 'node_modules/next/dist/bin/next'), 'build'], APP_DIR);
  return { packagesSeconds, nextSeconds: (Date.now() - t) / 1000, reason };
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** A port that was free a moment ago (the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The app's environment for an out-of-process plaid-sandbox: the emulator mode and its URL and credentials. */
export function emulatorEnv(sandbox: { url: string; clientId: string; secret: string }): Record<string, string> {
  return { PLAID_ENV: 'emulator', PLAID_BASE_URL: sandbox.url, PLAID_CLIENT_ID: sandbox.clientId, PLAID_SECRET: sandbox.secret };
}

export interface WebServer {
  url: string;
  /** Everything the server printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Start `scripts/start.js` on `port` with `env`, and wait (bounded) until it serves /signin. */
export async function startWebServer(opts: { port: number; env: Record<string, string>; logFile: string }): Promise<WebServer> {
  const out = createWriteStream(opts.logFile);
  const child: ChildProcess = spawn(process.execPath, [join(APP_DIR, 'scripts/start.js')], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...opts.env, PORT: String(opts.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      // The start script spawned `next start`: signal the whole process group it leads.
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    await new Promise((r) => out.end(r));
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web server exited early:\n${readFileSync(opts.logFile, 'utf8')}`);
    const ok = await fetch(`${url}/signin`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`web server did not answer within 90 s:\n${readFileSync(opts.logFile, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, log: () => readFileSync(opts.logFile, 'utf8'), stop };
}

/** Sign up through the form post (as a browser without JavaScript would) and return the session cookie (`name=value`). */
export async function signUpOverHttp(server: WebServer, user: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${server.url}/auth/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(user).toString(),
  });
  if (res.status !== 303 || !res.headers.get('location')?.includes('/dashboard')) throw new Error(`sign-up answered ${res.status}`);
  return String(res.headers.get('set-cookie')).split(';')[0]!;
}

/** Connect a sandbox bank through `POST /api/link/sandbox` and return the new item's id. */
export async function sandboxLinkOverHttp(server: WebServer, cookie: string): Promise<string> {
  const res = await fetch(`${server.url}/api/link/sandbox`, {
    method: 'POST',
    headers: { origin: server.url, cookie, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 201) throw new Error(`/api/link/sandbox answered ${res.status}`);
  return ((await res.json()) as { itemId: string }).itemId;
}
