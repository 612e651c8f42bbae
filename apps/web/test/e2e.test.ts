/**
 * The reference app end to end: the test build's standalone server (the
 * production build plus the test-only routes), run from a copy of its folder
 * outside the repository, a real Chromium, the
 * offline Plaid emulator held by this test (so it can trigger reset_login),
 * SQLite in a temp dir. Two users; user A connects a bank through the
 * emulator's Link overlay, cancels a second one, rotates, loses and repairs the
 * bank login (Link update mode), removes; user B must get 404 on every one of
 * A's item routes.
 * A leak canary checks everything the browser received and the server log
 * for the access tokens the vault held.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, hasText, launchChromium, shoot, signUp, visible } from './helpers/browser.js';
import { LeakCanary } from './helpers/leak-canary.js';
import { openTokenReader } from './helpers/token-reader.js';
import {
  REPO_DIR,
  copyStandalone,
  emulatorEnv,
  ensureBuilt,
  freePort,
  startWebServer,
  type Standalone,
  type WebServer,
} from './helpers/web-server.js';

if (!hasChromium) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`e2e: ${CHROMIUM} is required (REQUIRE_SERVICES=1)`);
  console.warn(`[skipped] web e2e: ${CHROMIUM} not installed (apt-get install chromium)`);
}

const ARTIFACTS = join(REPO_DIR, 'test-artifacts');
const SHOTS = join(ARTIFACTS, 'screenshots');
const A = { email: `a-${randomBytes(3).toString('hex')}@example.com`, password: 'correct horse battery' };
const B = { email: `b-${randomBytes(3).toString('hex')}@example.com`, password: 'another good passphrase' };

describe.skipIf(!hasChromium)('reference app (production build, Chromium)', () => {
  let sandbox: Sandbox;
  let server: WebServer;
  let standalone: Standalone;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let pageA: Page;
  let reader: Awaited<ReturnType<typeof openTokenReader>>;
  let dir: string;
  const canary = new LeakCanary();
  const heldTokens = new Set<string>();
  const keys = `e2e1:${randomBytes(32).toString('base64')}`;
  const sessionSecret = randomBytes(32).toString('base64');
  let itemId = '';

  async function recordTokens() {
    for (const token of (await reader.tokens(reader.userId(A.email))).values()) heldTokens.add(token);
  }

  const shootA = (name: string) => shoot(pageA, name, SHOTS, canary);

  beforeAll(async () => {
    const built = ensureBuilt('test');
    standalone = copyStandalone('test');
    console.log(
      `[e2e] packages ${built.packagesSeconds.toFixed(1)} s, test build ${built.reason ?? 'current'} ${built.nextSeconds.toFixed(1)} s, copied outside the repository in ${standalone.seconds.toFixed(1)} s`,
    );
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'pv-web-e2e-'));
    // Link loads from this emulator (PLAID_BASE_URL): its script, its frame and its sign-in.
    sandbox = await startSandbox({ port: 0 });
    const port = await freePort();
    server = await startWebServer({
      port,
      logFile: join(ARTIFACTS, 'e2e-server.log'),
      standalone,
      env: {
        WEB_DATA_DIR: dir,
        VAULT_DATABASE_URL: `sqlite:${join(dir, 'vault.db')}`,
        VAULT_KEYS: keys,
        SESSION_SECRET: sessionSecret,
        ...emulatorEnv(sandbox),
        PLAID_WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhooks/plaid`,
        WEB_TEST_ROUTES: '1',
        VAULT_LOG_LEVEL: 'debug',
      },
    });
    reader = await openTokenReader(join(dir, 'vault.db'), keys);
    browser = await launchChromium();
    ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ctxB = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    for (const ctx of [ctxA, ctxB]) ctx.setDefaultTimeout(15_000);
    canary.watch(ctxA, 'A');
    canary.watch(ctxB, 'B');
    pageA = await ctxA.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await reader?.close();
    await server?.stop();
    standalone?.remove();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs user A up and shows the empty dashboard with the emulator banner', async () => {
    await pageA.goto(`${server.url}/signin`);
    await shootA('signin');
    await pageA.goto(`${server.url}/signup?error=weak_password`);
    await shootA('signup');
    await signUp(pageA, server.url, A);
    await visible(pageA.getByText('Running on the offline Plaid emulator'));
    await visible(pageA.locator('#no-banks'));
    const cookie = (await ctxA.cookies()).find((c) => c.name.includes('pv_session'));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await shootA('dashboard-empty');
  });

  it('sends the security headers on pages and API answers', async () => {
    const page = await fetch(`${server.url}/signin`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('plaid.com');
    // The offline Link: the emulator's origin for its script and its frame, nothing else.
    expect(csp).toContain(`frame-src ${sandbox.url};`);
    expect(csp).toMatch(new RegExp(`script-src [^;]* ${sandbox.url.replace(/[.:/]/g, '\\$&')}[;]`));
    // The nonce is fresh per response and is the one on the page's scripts.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(await page.text()).toContain(`nonce="${nonce}"`);
    expect((await fetch(`${server.url}/signin`)).headers.get('content-security-policy')).not.toContain(nonce);
    const api = await fetch(`${server.url}/api/healthz`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    for (const res of [page, api]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    }
  });

  it('connects a bank through the offline Link overlay and shows accounts, balances and synced transactions', async () => {
    const link = pageA.frameLocator('iframe[title="Plaid Link"]');
    await pageA.getByRole('button', { name: 'Connect a bank' }).click();
    await link.getByRole('button', { name: 'Tartan Bank' }).click();
    await link.getByLabel('Username').fill('user_good');
    await link.getByLabel('Password').fill('pass_good');
    await shootA('link-credentials');
    await link.getByRole('button', { name: 'Submit' }).click();
    await link.getByRole('button', { name: 'Continue' }).click();
    await pageA.waitForURL(/\/items\/[^/]+$/);
    itemId = decodeURIComponent(new URL(pageA.url()).pathname.split('/').pop()!);
    await visible(pageA.getByRole('heading', { level: 1, name: 'Tartan Bank' }));
    await visible(pageA.getByRole('cell', { name: /Plaid Checking/ }));
    await hasText(pageA.locator('#sync-status'), /[1-9]\d* new/);
    expect(await pageA.locator('#transactions tbody tr').count()).toBeGreaterThan(0);
    expect(sandbox.state.item(itemId)).toMatchObject({ institutionId: 'ins_109511', username: 'user_good', status: 'active' });
    await recordTokens();
    expect(heldTokens.size).toBe(1);
    await shootA('item');

    await pageA.getByRole('link', { name: /All banks/ }).click();
    await visible(pageA.getByRole('link', { name: 'Tartan Bank' }));
    await visible(pageA.getByText('$110.00').first());
    await shootA('dashboard');
  });

  it('cancels Link after a failed sign-in: onExit, and nothing is connected', async () => {
    const items = sandbox.state.items().length;
    const exchanges = sandbox.state.counters['/item/public_token/exchange'];
    const link = pageA.frameLocator('iframe[title="Plaid Link"]');
    await pageA.getByRole('button', { name: 'Connect a bank' }).click();
    await link.getByRole('button', { name: 'First Platypus Bank' }).click();
    await link.getByLabel('Username').fill('user_good');
    await link.getByLabel('Password').fill('not the password');
    await link.getByRole('button', { name: 'Submit' }).click();
    await hasText(link.getByRole('alert'), 'The provided credentials were not correct.');
    await link.getByRole('button', { name: 'Close' }).click();
    await hasText(pageA.locator('#link-notice'), 'Plaid Link closed: The provided credentials were not correct.');
    expect(await pageA.locator('iframe[title="Plaid Link"]').isVisible()).toBe(false);
    expect(sandbox.state.items()).toHaveLength(items);
    expect(sandbox.state.counters['/item/public_token/exchange']).toBe(exchanges);
    expect((await (await ctxA.request.get(`${server.url}/api/items`)).json()).items).toHaveLength(1);
  });

  it('pages through transactions and syncs incrementally (nothing new on the second visit)', async () => {
    await pageA.goto(`${server.url}/items/${encodeURIComponent(itemId)}`);
    await hasText(pageA.locator('#sync-status'), '0 new, 0 updated, 0 removed');
    const first = await pageA.locator('#transactions tbody tr').allTextContents();
    await pageA.getByRole('link', { name: 'Next' }).click();
    await pageA.waitForURL(/page=2/);
    const second = await pageA.locator('#transactions tbody tr').allTextContents();
    expect(second.length).toBeGreaterThan(0);
    expect(second).not.toEqual(first);
  });

  it('rotates the access token: a new token is stored and the old one is dead at Plaid', async () => {
    await pageA.goto(`${server.url}/items/${encodeURIComponent(itemId)}`);
    const before = [...heldTokens];
    await pageA.getByRole('button', { name: 'Rotate access token' }).click();
    await hasText(pageA.locator('#action-notice'), 'Access token rotated');
    await recordTokens();
    expect(heldTokens.size).toBe(2);
    expect(before.every((t) => heldTokens.has(t))).toBe(true);
    expect(sandbox.state.item(itemId)?.liveAccessTokens).toBe(1);
    await pageA.reload();
    await visible(pageA.getByRole('cell', { name: /Plaid Checking/ }));
  });

  it('shows "sign in again" after reset_login and reconnects through Link in update mode', async () => {
    await sandbox.state.resetLogin(itemId);
    await pageA.reload();
    await hasText(pageA.locator('#item-error'), 'Your bank needs you to sign in again');
    await shootA('item-login-required');
    const link = pageA.frameLocator('iframe[title="Plaid Link"]');
    await pageA.getByRole('button', { name: 'Sign in to your bank again' }).click();
    // Update mode opens on the Item's institution: no picker.
    await visible(link.getByRole('heading', { name: 'Sign in to Tartan Bank' }));
    await link.getByLabel('Username').fill('user_good');
    await link.getByLabel('Password').fill('pass_good');
    await link.getByRole('button', { name: 'Submit' }).click();
    await link.getByRole('button', { name: 'Continue' }).click();
    await pageA.locator('#item-error').waitFor({ state: 'detached' });
    await visible(pageA.getByRole('cell', { name: /Plaid Checking/ }));
    expect(sandbox.state.item(itemId)?.status).toBe('active');
    // As with Plaid, no LOGIN_REPAIRED follows an update-mode Link in the app: the page's own
    // successful calls set the vault's item active again.
    await sandbox.state.flushWebhooks();
    expect(sandbox.state.webhookDeliveries().filter((d) => d.body.includes('"LOGIN_REPAIRED"'))).toEqual([]);
    const [item] = (await (await ctxA.request.get(`${server.url}/api/items`)).json()).items;
    expect(item.status).toBe('active');
    await recordTokens();
    expect(heldTokens.size).toBe(2);
  });

  it('recovers a login fixed without any webhook, from the next successful call', async () => {
    // Real Plaid sends no LOGIN_REPAIRED after update-mode Link in the app itself. Point the
    // item's webhook at a dead port so the emulator's repair notice never arrives, repair
    // the login at the "bank", and the item page's own calls must set the item active again.
    const token = (await reader.tokens(reader.userId(A.email))).get(itemId)!;
    const plaidPost = (path: string, body: Record<string, unknown>) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': sandbox.clientId, 'PLAID-SECRET': sandbox.secret },
        body: JSON.stringify({ access_token: token, ...body }),
      });
    const appWebhook = `${server.url}/api/webhooks/plaid`;
    expect((await plaidPost('/item/webhook/update', { webhook: 'http://127.0.0.1:9/nowhere' })).status).toBe(200);
    try {
      await sandbox.state.resetLogin(itemId);
      await pageA.reload();
      await hasText(pageA.locator('#item-error'), 'Your bank needs you to sign in again');
      await sandbox.state.repairLogin(itemId);
      await sandbox.state.flushWebhooks();
      expect(sandbox.state.webhookDeliveries().at(-1)?.body).toContain('"LOGIN_REPAIRED"');
      expect(sandbox.state.webhookDeliveries().at(-1)?.status).not.toBe(200);
      await pageA.reload();
      await visible(pageA.getByRole('cell', { name: /Plaid Checking/ }));
      expect(await pageA.locator('#item-error').count()).toBe(0);
      const [item] = (await (await ctxA.request.get(`${server.url}/api/items`)).json()).items;
      expect(item.status).toBe('active');
    } finally {
      expect((await plaidPost('/item/webhook/update', { webhook: appWebhook })).status).toBe(200);
    }
  });

  it('lists token use on the security page with the purpose of each use', async () => {
    await pageA.goto(`${server.url}/security`);
    const audit = pageA.locator('#audit');
    await hasText(audit, 'Access token used');
    await hasText(audit, 'accounts.get');
    await hasText(audit, 'transactions.sync');
    await hasText(audit, 'Access token rotated');
    await shootA('security');
  });

  it("gives user B a 404 on every one of user A's item routes, and leaves the item untouched", async () => {
    const pageB = await ctxB.newPage();
    await signUp(pageB, server.url, B);
    const id = encodeURIComponent(itemId);
    const origin = { origin: server.url };
    const api = ctxB.request;
    const answers = [
      await api.get(`${server.url}/api/items/${id}/accounts`),
      await api.get(`${server.url}/api/items/${id}/transactions`),
      await api.post(`${server.url}/api/items/${id}/rotate`, { headers: origin }),
      await api.delete(`${server.url}/api/items/${id}`, { headers: origin }),
      await api.post(`${server.url}/api/link/token`, { headers: origin, data: { itemId } }),
      await api.post(`${server.url}/items/${id}/reconnect`, { headers: origin, data: {} }),
    ];
    for (const res of answers) {
      expect(res.status(), res.url()).toBe(404);
      expect((await res.json()).code).toBe('ERR_ITEM_NOT_FOUND');
    }
    expect((await api.get(`${server.url}/test-only/taint?item=${id}`)).status()).toBe(404);
    expect((await pageB.goto(`${server.url}/items/${id}`))?.status()).toBe(404);
    expect((await (await api.get(`${server.url}/api/items`)).json()).items).toEqual([]);
    await canary.snapshot(pageB, 'B-item-404');
    await pageB.close();
    const tokensNow = await reader.tokens(reader.userId(A.email));
    expect(tokensNow.size).toBe(1);
    expect(heldTokens.has(tokensNow.get(itemId)!)).toBe(true);
  });

  it('refuses to hand a tainted access token to a Client Component', async () => {
    const id = encodeURIComponent(itemId);
    const control = await ctxA.request.get(`${server.url}/test-only/taint?item=${id}&control=1`);
    expect(control.status()).toBe(200);
    const token = [...(await reader.tokens(reader.userId(A.email))).values()][0]!;
    expect(await control.text()).toContain(`Received <!-- -->${token.length}<!-- --> characters`);
    const tainted = await ctxA.request.get(`${server.url}/test-only/taint?item=${id}`);
    expect(tainted.status()).toBe(500);
    expect(await tainted.text()).not.toContain(token);
    expect(server.log()).toContain('Do not pass access tokens to the client');
  });

  it('keeps the benchmark-baseline route off without its token variable, even with test routes on', async () => {
    const res = await ctxA.request.get(`${server.url}/api/test-only/baseline-accounts`);
    expect(res.status()).toBe(404);
    expect((await res.json()).code).toBe('ERR_ROUTE_NOT_FOUND');
  });

  it('signs out (the old cookie stops working) and back in with the keyboard only', async () => {
    const stale = (await ctxA.cookies()).find((c) => c.name.includes('pv_session'))!;
    await pageA.goto(`${server.url}/dashboard`);
    await pageA.getByRole('button', { name: 'Sign out' }).click();
    await pageA.waitForURL('**/signin');
    const replay = await fetch(`${server.url}/api/items`, { headers: { cookie: `${stale.name}=${stale.value}` } });
    expect(replay.status).toBe(401);
    await pageA.getByLabel('Email').focus();
    await pageA.keyboard.type(A.email);
    await pageA.keyboard.press('Tab');
    await pageA.keyboard.type(A.password);
    await pageA.keyboard.press('Enter');
    await pageA.waitForURL('**/dashboard');
  });

  it('removes the bank: the dashboard is empty and the item is gone at Plaid and in the vault', async () => {
    await pageA.goto(`${server.url}/items/${encodeURIComponent(itemId)}`);
    await recordTokens();
    await pageA.getByRole('button', { name: 'Remove connection' }).click();
    await pageA.getByRole('button', { name: 'Yes, remove Tartan Bank' }).click();
    await pageA.waitForURL('**/dashboard');
    await visible(pageA.locator('#no-banks'));
    expect(sandbox.state.item(itemId)).toMatchObject({ status: 'removed', liveAccessTokens: 0 });
    expect((await reader.tokens(reader.userId(A.email))).size).toBe(0);
  });

  it('throttles sign-in after 5 wrong passwords for an email, known or not, and leaves other emails alone', async () => {
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    const where = (res: Response) => res.headers.get('location');
    const tag = randomBytes(3).toString('hex');
    const target = { email: `c-${tag}@example.com`, password: 'a third good passphrase' };
    const bystander = { email: `d-${tag}@example.com`, password: 'a fourth good passphrase' };
    const nobody = `nobody-${tag}@example.com`;
    for (const user of [target, bystander]) expect(where(await post('/auth/signup', user))).toBe('/dashboard');
    for (const email of [target.email, nobody]) {
      for (let i = 0; i < 5; i++)
        expect(where(await post('/auth/signin', { email, password: 'wrong guess' }))).toBe('/signin?error=invalid');
    }
    // The right password is refused now, the same way as for an email with no account.
    const refused = await post('/auth/signin', target);
    expect(refused.status).toBe(303);
    expect(where(refused)).toBe('/signin?error=throttled&retry=15');
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(where(await post('/auth/signin', { email: nobody, password: 'wrong guess' }))).toBe('/signin?error=throttled&retry=15');
    expect(where(await post('/auth/signin', bystander))).toBe('/dashboard');
    const html = await (await fetch(`${server.url}/signin?error=throttled&retry=15`)).text();
    expect(html).toMatch(/role="alert"[^>]*>Too many failed attempts\. Try again in about 15 minutes\.</);
    // Each lockout is logged once, by key hash prefix; no email reaches the log.
    const log = server.log();
    expect(log.match(/sign-in locked after repeated failures/g)).toHaveLength(2);
    for (const email of [target.email, bystander.email, nobody]) expect(log).not.toContain(email);
  });

  it('leak canary: no access token in anything the browser received, in built chunks or in the server log', async () => {
    await sandbox.state.flushWebhooks();
    await canary.settle();
    const chunks = canary.addFiles(standalone.staticDir, 'chunk');
    canary.add('server log', server.log());
    expect(heldTokens.size).toBe(2);
    expect(chunks).toBeGreaterThan(0);
    expect(canary.samples.filter((s) => s.source.endsWith('[body]')).length).toBeGreaterThan(20);
    const needles = [...heldTokens, /access-sandbox-/, keys.split(':')[1]!, sessionSecret];
    // The canary can fail: a planted token is found.
    const probe = new LeakCanary();
    probe.add('planted', `x${[...heldTokens][0]}x`);
    expect(probe.findings(needles)).toContainEqual({ source: 'planted', needle: 'token#0' });
    expect(canary.findings(needles)).toEqual([]);
  });
});
