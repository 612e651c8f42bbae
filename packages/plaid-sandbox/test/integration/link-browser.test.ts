import { existsSync } from 'node:fs';
import type { PlaidApi } from 'plaid';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { createLinkToken } from '../helpers/link-client.js';
import { startLinkHostPage } from '../helpers/link-host-page.js';
import { plaidClient } from '../helpers/sandbox-client.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${CHROMIUM} is required (REQUIRE_SERVICES=1)`);
  console.warn(`[skipped] offline Link in a browser: ${CHROMIUM} not installed`);
}

type LogEntry = [string, ...unknown[]];
type Metadata = Record<string, unknown>;

describe.skipIf(!existsSync(CHROMIUM))("plaid-sandbox: offline Link's Plaid.create in Chromium", () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let host: Awaited<ReturnType<typeof startLinkHostPage>>;
  let browser: Browser;
  let page: Page;
  let link: FrameLocator;

  const log = () => page.evaluate(() => (globalThis as unknown as { linkLog: LogEntry[] }).linkLog);
  const events = async () => (await log()).filter((e) => e[0] === 'event').map((e) => [e[1], e[2]] as [string, Metadata]);
  const waitFor = (kind: string) => expect.poll(async () => (await log()).find((e) => e[0] === kind), { timeout: 10_000 }).toBeDefined();
  const start = async (token: string) => {
    await page.evaluate((t) => (globalThis as unknown as { startLink(t: string): void }).startLink(t), token);
    await waitFor('load');
  };
  const open = () => page.evaluate(() => (globalThis as unknown as { linkHandler: { open(): void } }).linkHandler.open());
  const signIn = async (bank: string, password: string) => {
    await link.getByRole('button', { name: bank }).click();
    await link.getByLabel('Username').fill('user_good');
    await link.getByLabel('Password').fill(password);
    await link.getByRole('button', { name: 'Submit' }).click();
  };

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
    host = await startLinkHostPage(sb.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await sb?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(host.url);
    await waitFor('script');
    link = page.frameLocator('iframe[title="Plaid Link"]');
    return async () => {
      expect(csp).toEqual([]);
      await page.close();
    };
  });

  it('connects: onLoad, the stable events, a recoverable error, then onSuccess with Plaid metadata', async () => {
    await start(await createLinkToken(plaid));
    await open();
    await signIn('First Platypus Bank', 'wrong');
    await expect.poll(() => link.getByRole('alert').textContent()).toContain('credentials were not correct');
    await link.getByLabel('Password').fill('pass_good');
    await link.getByRole('button', { name: 'Submit' }).click();
    await link.getByRole('button', { name: 'Continue' }).click();
    await waitFor('success');

    const [, publicToken, metadata] = (await log()).find((e) => e[0] === 'success') as [string, string, Metadata];
    expect(metadata).toMatchObject({
      institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' },
      transfer_status: null,
    });
    const seen = await events();
    const names = seen.map(([name]) => name);
    for (const name of ['OPEN', 'TRANSITION_VIEW', 'SELECT_INSTITUTION', 'SUBMIT_CREDENTIALS', 'ERROR', 'HANDOFF'])
      expect(names).toContain(name);
    expect(names).not.toContain('EXIT');
    expect(seen.find(([n]) => n === 'OPEN')![1]).toMatchObject({ is_update_mode: 'false' });
    expect(seen.find(([n]) => n === 'ERROR')![1]).toMatchObject({ error_code: 'INVALID_CREDENTIALS', institution_id: 'ins_109508' });
    const views = seen.filter(([n]) => n === 'TRANSITION_VIEW').map(([, m]) => m.view_name);
    expect(views).toEqual(['SELECT_INSTITUTION', 'CREDENTIAL', 'LOADING', 'CREDENTIAL', 'LOADING', 'CONNECTED']);
    // One session throughout, and every event carries Plaid's full metadata.
    expect(new Set(seen.map(([, m]) => m.link_session_id))).toEqual(new Set([metadata.link_session_id]));
    for (const [, m] of seen) expect(Object.keys(m).sort()).toEqual(Object.keys(seen[0]![1]).sort());
    expect(await page.locator('iframe[title="Plaid Link"]').isVisible()).toBe(false);

    const { data } = await plaid.itemPublicTokenExchange({ public_token: publicToken });
    const accounts = (await plaid.accountsGet({ access_token: data.access_token })).data.accounts;
    expect((metadata.accounts as { id: string }[]).map((a) => a.id)).toEqual(accounts.map((a) => a.account_id));
  });

  it('closing after a search with no results: onExit(null) with status institution_not_found, and the EXIT event', async () => {
    await start(await createLinkToken(plaid));
    await open();
    await link.getByLabel('Search for your bank').fill('no such bank');
    await expect.poll(() => link.getByText('No banks match your search.').isVisible()).toBe(true);
    await link.getByRole('button', { name: 'Close' }).click();
    await waitFor('exit');
    const [, error, metadata] = (await log()).find((e) => e[0] === 'exit') as [string, unknown, Metadata];
    expect(error).toBeNull();
    expect(metadata).toMatchObject({ institution: null, status: 'institution_not_found' });
    expect(metadata.link_session_id).toEqual(expect.any(String));
    expect(metadata.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    expect((await events()).find(([n]) => n === 'EXIT')![1]).toMatchObject({ exit_status: 'institution_not_found' });
  });

  it('exit() from the page after a failed sign-in: onExit with that error; Escape and exit() after connecting: onSuccess', async () => {
    await start(await createLinkToken(plaid));
    await open();
    await signIn('Tartan Bank', 'error_ITEM_LOCKED');
    await expect.poll(() => link.getByRole('alert').textContent()).toContain('locked');
    await page.evaluate(() => (globalThis as unknown as { linkHandler: { exit(o: object): void } }).linkHandler.exit({ force: true }));
    await waitFor('exit');
    const [, error, metadata] = (await log()).find((e) => e[0] === 'exit') as [string, Metadata, Metadata];
    expect(error).toEqual({
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOCKED',
      error_message: "the account is locked. prompt the user to visit the institution's site and unlock their account",
      display_message: expect.any(String),
    });
    expect(metadata).toMatchObject({ institution: { name: 'Tartan Bank', institution_id: 'ins_109511' }, status: 'requires_credentials' });

    // Reopened: a new session; connected, Escape (like exit()) hands the public token over.
    await open();
    await signIn('Tartan Bank', 'pass_good');
    await link.getByRole('button', { name: 'Continue' }).waitFor();
    await link.getByRole('button', { name: 'Continue' }).press('Escape');
    await waitFor('success');
    const success = (await log()).find((e) => e[0] === 'success') as [string, string, Metadata];
    expect(success[2].link_session_id).not.toBe(metadata.link_session_id);
  });

  it('a bad link token ends in onExit(INVALID_LINK_TOKEN) without opening; destroy() removes the iframe', async () => {
    await start('link-sandbox-00000000-0000-4000-8000-000000000000');
    await waitFor('exit');
    const [, error] = (await log()).find((e) => e[0] === 'exit') as [string, Metadata];
    expect(error).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN' });
    expect(await page.locator('iframe[title="Plaid Link"]').count()).toBe(1);
    await page.evaluate(() => (globalThis as unknown as { linkHandler: { destroy(): void } }).linkHandler.destroy());
    expect(await page.locator('iframe[title="Plaid Link"]').count()).toBe(0);
  });

  it("update mode opens on the Item's institution and reports is_update_mode", async () => {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109510', initial_products: ['transactions' as never] });
    const { data } = await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token });
    await plaid.sandboxItemResetLogin({ access_token: data.access_token });
    await start(await createLinkToken(plaid, { access_token: data.access_token }));
    await open();
    await link.getByRole('heading', { name: 'Sign in to Tattersall Federal Credit Union' }).waitFor();
    await link.getByLabel('Username').fill('user_good');
    await link.getByLabel('Password').fill('pass_good');
    await link.getByRole('button', { name: 'Submit' }).click();
    await link.getByRole('button', { name: 'Continue' }).click();
    await waitFor('success');
    expect((await events()).find(([n]) => n === 'OPEN')![1]).toMatchObject({ is_update_mode: 'true' });
    expect(sb.state.item(data.item_id)?.status).toBe('active');
  });
});
