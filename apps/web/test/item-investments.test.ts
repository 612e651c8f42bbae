/**
 * The item page's investments and liabilities sections, on the production build
 * over HTTP against an out-of-process plaid-sandbox: shown (with the emulator's
 * user_good holdings and loans) when PLAID_PRODUCTS includes investments and
 * liabilities, left out without a Plaid call when it does not.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './helpers/browser.js';
import {
  REPO_DIR,
  emulatorEnv,
  ensureBuilt,
  freePort,
  sandboxLinkOverHttp,
  signUpOverHttp,
  startWebServer,
  type WebServer,
} from './helpers/web-server.js';

const PLAINTEXT = 'access-sandbox-';

describe('reference app: investments and liabilities on the item page', () => {
  let sandbox: Sandbox;
  let server: WebServer | undefined;
  let dir: string;
  let port: number;
  let cookie = '';
  let itemId = '';
  const keys = `inv1:${randomBytes(32).toString('base64')}`;
  const sessionSecret = randomBytes(32).toString('base64');
  const user = { email: `inv-${randomBytes(3).toString('hex')}@example.com`, password: 'a long enough passphrase' };
  const start = async (products: string) =>
    (server = await startWebServer({
      port,
      logFile: join(REPO_DIR, 'test-artifacts', `item-investments-${products.replace(/,/g, '-')}.log`),
      env: {
        WEB_DATA_DIR: dir,
        VAULT_KEYS: keys,
        SESSION_SECRET: sessionSecret,
        ...emulatorEnv(sandbox),
        PLAID_PRODUCTS: products,
      },
    }));
  const page = async () => {
    const res = await fetch(`${server!.url}/items/${encodeURIComponent(itemId)}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(join(REPO_DIR, 'test-artifacts'), { recursive: true });
    sandbox = await startSandbox({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'pv-web-inv-'));
    port = await freePort();
    await start('transactions,investments,liabilities');
  });
  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows holdings, recent activity and loans when the products are configured', async () => {
    cookie = await signUpOverHttp(server!, user);
    itemId = await sandboxLinkOverHttp(server!, cookie);

    const html = await page();
    expect(html).toContain('id="investments-heading"');
    expect(html).toContain('Matthews Pacific Tiger Fund Insti Class');
    expect(html).toContain('id="investment-activity"');
    expect(html).toContain('id="liabilities-heading"');
    expect(html).toContain('Plaid Mortgage');
    expect(html).toContain('3.99%');
    expect(html).not.toContain(PLAINTEXT);
    // Mortgage and student loan account numbers are not projected, so they cannot reach a page.
    expect(html).not.toContain('3120194154');

    const api = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/liabilities`, { headers: { cookie } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { mortgage: unknown[] }).mortgage).toHaveLength(1);
  });

  it.skipIf(!hasChromium)('renders the sections at desktop and phone width (screenshots in test-artifacts)', async () => {
    const browser = await launchChromium();
    try {
      const tab = await (await browser.newContext()).newPage();
      await tab.goto(`${server!.url}/signin`);
      await tab.getByLabel('Email').fill(user.email);
      await tab.getByLabel('Password').fill(user.password);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.waitForURL('**/dashboard');
      await tab.goto(`${server!.url}/items/${encodeURIComponent(itemId)}`);
      await tab.getByRole('heading', { name: 'Investments' }).waitFor();
      const dir = join(REPO_DIR, 'test-artifacts', 'screenshots');
      mkdirSync(dir, { recursive: true });
      for (const [width, height, tag] of [
        [1280, 800, 'desktop'],
        [390, 844, 'phone'],
      ] as const) {
        await tab.setViewportSize({ width, height });
        // Wide tables scroll inside their card; the page itself must not scroll sideways.
        expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await tab.screenshot({ path: join(dir, `item-investments-${tag}.png`), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });

  it('leaves the sections out, without calling Plaid, when they are not configured', async () => {
    await server!.stop();
    await start('transactions');
    sandbox.state.resetCounters();
    const html = await page();
    expect(html).toContain('id="accounts-heading"');
    expect(html).not.toContain('id="investments-heading"');
    expect(html).not.toContain('id="liabilities-heading"');
    expect(sandbox.state.counters['/investments/holdings/get']).toBeUndefined();
    expect(sandbox.state.counters['/liabilities/get']).toBeUndefined();
    const api = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/holdings`, { headers: { cookie } });
    expect(api.status).toBe(403);
    expect(server!.log()).not.toContain(PLAINTEXT);
  });
});
