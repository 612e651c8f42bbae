/**
 * The production build (`.next`: what `npm start` serves and a deployment copies),
 * started the way `npm start` starts it (scripts/start.js, the standalone server in
 * place). Its server.js is the guarded one (scripts/server.js), and the completion
 * refuses a Next whose own server.js it was not written against. It holds no
 * test-only code: no test-only route in its manifests, the test-only paths answer
 * 404 even with WEB_TEST_ROUTES=1. And the start script's defaults hold: loopback
 * only, the data directory resolved against apps/web, never inside the build
 * folder the next build replaces.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { NEXT_ENTRY_COPY, installGuardedEntry } from '../scripts/standalone-entry.js';
import { APP_DIR, REPO_DIR, distDir, emulatorEnv, ensureBuilt, freePort, startWebServer, type WebServer } from './helpers/web-server.js';

/** This machine's first non-loopback IPv4 address, if it has one. */
const EXTERNAL = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Every route a manifest of the build lists (keys and values). */
function manifestRoutes(dir: string): string[] {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, string>;
  const appPaths = read('server/app-paths-manifest.json');
  const routes = read('app-path-routes-manifest.json');
  return [...Object.keys(appPaths), ...Object.values(appPaths), ...Object.keys(routes), ...Object.values(routes)];
}

/** Files under `dir` whose path or contents mention `needle`. */
function filesMentioning(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes(needle) || readFileSync(path, 'latin1').includes(needle)) found.push(path);
  }
  return found;
}

describe('production build (npm start)', () => {
  let sandbox: Sandbox;
  let server: WebServer;
  let port: number;
  // Relative, as a user might pass it: scripts/start.js resolves it against apps/web.
  const dataDir = `.data-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const built = ensureBuilt('production');
    console.log(`[production-build] next build ${built.reason ?? 'current'} ${built.nextSeconds.toFixed(1)} s`);
    sandbox = await startSandbox({ port: 0 });
    port = await freePort();
    server = await startWebServer({
      port,
      logFile: join(REPO_DIR, 'test-artifacts', 'production-build-server.log'),
      // Everything a test build needs to serve its test-only routes (an out-of-process emulator
      // for the baseline route, the flag, the token variable), except the test build itself.
      env: { WEB_DATA_DIR: dataDir, WEB_TEST_ROUTES: '1', WEB_BENCH_BASELINE_TOKEN: 'access-sandbox-unused', ...emulatorEnv(sandbox) },
    });
    console.log(`[production-build] scripts/start.js answered in ${server.readyMs} ms`);
  });

  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    rmSync(join(APP_DIR, dataDir), { recursive: true, force: true });
  });

  it('lists no test-only route in its manifests, in place or in the standalone folder', () => {
    const standaloneDist = join(distDir('production'), 'standalone', 'apps', 'web', '.next');
    for (const dir of [distDir('production'), standaloneDist]) {
      const routes = manifestRoutes(dir);
      // The manifests are the ones that list the app's routes.
      expect(routes).toContain('/dashboard/page');
      expect(routes).toContain('/api/[...route]/route');
      expect(routes.filter((r) => r.includes('test-only'))).toEqual([]);
    }
    expect(filesMentioning(join(standaloneDist, 'server'), 'test-only')).toEqual([]);
  });

  it("runs the guarded server: the standalone server.js is scripts/server.js, with the guard and next build's config", () => {
    const serverDir = join(distDir('production'), 'standalone', 'apps', 'web');
    for (const file of ['server.js', 'request-guard.js'])
      expect(readFileSync(join(serverDir, file), 'utf8'), file).toBe(readFileSync(join(APP_DIR, 'scripts', file), 'utf8'));
    const nextEntry = readFileSync(join(distDir('production'), NEXT_ENTRY_COPY), 'utf8');
    expect(nextEntry).toContain("require('next/dist/server/lib/start-server')");
    const embedded = /^const nextConfig = (.*)$/m.exec(nextEntry)![1]!;
    expect(JSON.parse(readFileSync(join(serverDir, 'next-config.json'), 'utf8'))).toEqual(JSON.parse(embedded));
  });

  it("stops the completion when Next's generated server.js is not the one scripts/server.js replaces", () => {
    const nextEntry = readFileSync(join(distDir('production'), NEXT_ENTRY_COPY), 'utf8');
    const tmp = mkdtempSync(join(tmpdir(), 'pv-web-entry-'));
    try {
      const [dist, serverDir] = [join(tmp, 'dist'), join(tmp, 'server')];
      mkdirSync(dist);
      mkdirSync(serverDir);
      // A Next that reads another variable: scripts/server.js would no longer do what it does.
      writeFileSync(join(serverDir, 'server.js'), nextEntry.replace('process.env.KEEP_ALIVE_TIMEOUT', 'process.env.NEXT_KEEP_ALIVE_MS'));
      expect(() => installGuardedEntry(APP_DIR, dist, serverDir)).toThrow(/not the one scripts\/server\.js replaces.*KEEP_ALIVE_TIMEOUT/s);
      expect(existsSync(join(serverDir, 'request-guard.js'))).toBe(false);
      // The genuine one is replaced, and a second completion (its server.js now ours) still finds Next's config.
      writeFileSync(join(serverDir, 'server.js'), nextEntry);
      for (let run = 0; run < 2; run++) {
        installGuardedEntry(APP_DIR, dist, serverDir);
        expect(readFileSync(join(serverDir, 'server.js'), 'utf8')).toBe(readFileSync(join(APP_DIR, 'scripts', 'server.js'), 'utf8'));
        expect(readFileSync(join(serverDir, 'next-config.json'), 'utf8').trim()).toBe(/^const nextConfig = (.*)$/m.exec(nextEntry)![1]);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('answers 404 on the test-only paths, even with WEB_TEST_ROUTES=1, a signed-in user and their item', async () => {
    const signup = await fetch(`${server.url}/auth/signup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: `prod-${randomBytes(3).toString('hex')}@example.com`, password: 'a long enough passphrase' }),
    });
    expect(signup.status).toBe(303);
    const cookie = String(signup.headers.get('set-cookie')).split(';')[0]!;
    const linked = await fetch(`${server.url}/api/link/sandbox`, {
      method: 'POST',
      headers: { origin: server.url, cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(linked.status).toBe(201);
    const { itemId } = (await linked.json()) as { itemId: string };
    // In a test build the first renders (200) and the second calls the emulator.
    for (const path of [`/test-only/taint?item=${encodeURIComponent(itemId)}&control=1`, '/api/test-only/baseline-accounts'])
      expect((await fetch(`${server.url}${path}`, { headers: { cookie } })).status, path).toBe(404);
  });

  it('keeps its data in WEB_DATA_DIR resolved against apps/web, not in the build folder', () => {
    expect(existsSync(join(APP_DIR, dataDir, 'vault.db'))).toBe(true);
    expect(existsSync(join(distDir('production'), 'standalone', 'apps', 'web', dataDir))).toBe(false);
  });

  it.skipIf(!EXTERNAL)('listens on loopback only unless HOST says otherwise', async () => {
    const reach = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host, port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    expect(await reach('127.0.0.1')).toBe('connected');
    expect(await reach(EXTERNAL!)).toBe('ECONNREFUSED');
  });
});
