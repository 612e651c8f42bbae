/**
 * `npm start` with no Plaid settings at all: the embedded emulator listens on the
 * port scripts/start.js chose (PLAID_EMULATOR_PORT), and the page CSP names that
 * origin, so the app's Link button can load the offline Link from it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR, ensureBuilt, freePort, startWebServer, type WebServer } from './helpers/web-server.js';

describe('reference app with the embedded emulator (npm start defaults)', () => {
  let server: WebServer;
  let dir: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'pv-web-embedded-'));
    server = await startWebServer({
      port: await freePort(),
      logFile: join(REPO_DIR, 'test-artifacts', 'embedded-link-server.log'),
      env: { WEB_DATA_DIR: dir },
    });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves Link from the emulator's port, which the page CSP allows for script and frame only", async () => {
    const signup = await fetch(`${server.url}/auth/signup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: `e-${randomBytes(3).toString('hex')}@example.com`, password: 'a long enough passphrase' }),
    });
    expect(signup.headers.get('location')).toContain('/dashboard');
    const cookie = String(signup.headers.get('set-cookie')).split(';')[0]!;
    const dashboard = await fetch(`${server.url}/dashboard`, { headers: { cookie } });
    expect(dashboard.status).toBe(200);
    const csp = dashboard.headers.get('content-security-policy') ?? '';
    const frameSrc = /frame-src ([^;]+)/.exec(csp)![1]!;
    expect(frameSrc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(/script-src ([^;]+)/.exec(csp)![1]!.split(' ')).toContain(frameSrc);
    expect(/connect-src ([^;]+)/.exec(csp)![1]).toBe("'self'");

    const script = await fetch(`${frameSrc}/link/v2/stable/link-initialize.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('window.Plaid');
    // The app asks that same emulator for link tokens: one opens a Link session there.
    const token = await fetch(`${server.url}/api/link/token`, {
      method: 'POST',
      headers: { origin: server.url, cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    const { linkToken } = (await token.json()) as { linkToken: string };
    const session = await fetch(`${frameSrc}/link/__internal/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: linkToken }),
    });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ update_mode: false, client_name: 'plaid-vault' });
  });
});
