/**
 * The reference app as a real production server for the E2E suite: the standalone
 * server, built by scripts/build.js when the build is missing or older than the
 * sources (the production build in `.next`, or the test build with the test-only
 * routes in `.next-test`), started through `scripts/start.js` (the same path as
 * `npm start`) or from a copy of the standalone folder outside the repository (what
 * a deployment runs), logs captured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
// @ts-expect-error plain ESM script without types
import { ensureAppBuilt, standaloneServer } from '../../scripts/build.js';

export const APP_DIR = join(import.meta.dirname, '..', '..');
export const REPO_DIR = join(APP_DIR, '..', '..');

/** `production`: what `npm start` serves and a deployment copies. `test`: the same plus the test-only routes. */
export type BuildVariant = 'production' | 'test';

/** The build folder of `variant`. */
export const distDir = (variant: BuildVariant): string => join(APP_DIR, variant === 'test' ? '.next-test' : '.next');

/** Build the workspace packages (if never built) and the app's `variant` (if missing or stale). Returns seconds spent. */
export function ensureBuilt(variant: BuildVariant = 'production'): { packagesSeconds: number; nextSeconds: number; reason: string | null } {
  const t = Date.now();
  const packagesBuilt =
    existsSync(join(REPO_DIR, 'packages/vault/dist/index.js')) && existsSync(join(REPO_DIR, 'packages/plaid-sandbox/dist/index.js'));
  if (!packagesBuilt)
    run(process.execPath, [join(REPO_DIR, 'node_modules/typescript/bin/tsc'), '-b', 'packages/plaid-sandbox', 'packages/vault'], REPO_DIR);
  const packagesSeconds = (Date.now() - t) / 1000;
  const built = ensureAppBuilt(APP_DIR, { test: variant === 'test', quiet: true }) as { reason: string | null; seconds: number };
  return { packagesSeconds, nextSeconds: built.seconds, reason: built.reason };
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

/** A copy of a built standalone folder. */
export interface Standalone {
  /** Its server.js. */
  server: string;
  /** Its static assets (the built JS chunks). */
  staticDir: string;
  /** How long the copy took. */
  seconds: number;
  remove(): void;
}

/**
 * Copy `variant`'s standalone folder to a temporary directory outside the repository, so
 * that nothing it loads can come from the repository's node_modules: it runs from what a
 * deployment copies, or fails. Symbolic links are kept as they are (relative, inside it).
 */
export function copyStandalone(variant: BuildVariant): Standalone {
  const t = Date.now();
  const from = join(distDir(variant), 'standalone');
  const dir = mkdtempSync(join(tmpdir(), 'pv-web-standalone-'));
  if (!relative(REPO_DIR, dir).startsWith('..')) throw new Error(`${dir} is inside the repository: set TMPDIR elsewhere`);
  cpSync(from, dir, { recursive: true, verbatimSymlinks: true });
  const server = join(dir, relative(from, standaloneServer(APP_DIR, { test: variant === 'test' }) as string));
  return {
    server,
    staticDir: join(dirname(server), relative(APP_DIR, distDir(variant)), 'static'),
    seconds: (Date.now() - t) / 1000,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
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
  /** Milliseconds from spawning the server to its first answer on /signin. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Start the app on `port` with `env`, and wait (bounded) until it serves /signin: through
 * `scripts/start.js` like `npm start` (the production build), or, given `standalone`, that
 * copy's server.js directly, as a deployment starts it.
 */
export async function startWebServer(opts: {
  port: number;
  env: Record<string, string>;
  logFile: string;
  standalone?: Standalone;
}): Promise<WebServer> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile);
  const spawned = Date.now();
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production' };
  const [entry, env] = opts.standalone
    ? [opts.standalone.server, { ...base, HOSTNAME: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1' }]
    : [join(APP_DIR, 'scripts/start.js'), base];
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: opts.standalone ? dirname(entry) : APP_DIR,
    env: { ...env, ...opts.env, PORT: String(opts.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      // The start script spawned the server: signal the whole process group it leads.
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
  return { url, log: () => readFileSync(opts.logFile, 'utf8'), readyMs: Date.now() - spawned, stop };
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
