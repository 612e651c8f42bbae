import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaidApi } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { createLinkToken, linkCall, signIn } from '../helpers/link-client.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

describe('plaid-sandbox: offline Link in update mode', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  async function brokenItem(username = 'user_good') {
    const pt = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109509',
      initial_products: ['transactions' as never],
      options: { webhook: `${receiver.url}/hook`, override_username: username },
    });
    const { data } = await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token });
    await plaid.sandboxItemResetLogin({ access_token: data.access_token });
    expect((await receiver.next()).body).toContain('ITEM_LOGIN_REQUIRED');
    return data;
  }

  it("opens on the Item's institution and, signed in again, repairs the login without a new Item or token", async () => {
    const { access_token: accessToken, item_id: itemId } = await brokenItem();
    expect((await plaidErrorOf(plaid.accountsGet({ access_token: accessToken }))).code).toBe('ITEM_LOGIN_REQUIRED');
    const linkToken = await createLinkToken(plaid, { access_token: accessToken });
    const items = sb.state.items().length;

    const { session, submit } = await signIn(sb.url, linkToken, { institution_id: 'ins_109509' });
    expect(session).toMatchObject({
      update_mode: true,
      institution: { name: 'First Gingham Credit Union', institution_id: 'ins_109509' },
      institutions: [],
    });
    expect(submit.status).toBe(200);
    expect(sb.state.item(itemId)?.status).toBe('active');
    expect((await plaid.accountsGet({ access_token: accessToken })).data.item.item_id).toBe(itemId);
    const accounts = (await plaid.accountsGet({ access_token: accessToken })).data.accounts;
    expect((submit.body.accounts as { id: string }[]).map((a) => a.id)).toEqual(accounts.map((a) => a.account_id));

    // The update-mode public token needs no exchange; exchanged anyway, it is the same Item and access token.
    const exchanged = await plaid.itemPublicTokenExchange({ public_token: submit.body.public_token as string });
    expect(exchanged.data).toMatchObject({ item_id: itemId, access_token: accessToken });
    expect(sb.state.items().length).toBe(items);
    // Plaid sends LOGIN_REPAIRED only for repairs made outside the app's own update-mode Link.
    await sb.state.flushWebhooks();
    expect(sb.state.webhookDeliveries().filter((d) => d.body.includes('LOGIN_REPAIRED'))).toEqual([]);
  });

  it("wants the Item's own username and a right password; another institution is refused", async () => {
    const { access_token: accessToken, item_id: itemId } = await brokenItem('user_transactions_dynamic');
    const linkToken = await createLinkToken(plaid, { access_token: accessToken });
    const { body: session } = await linkCall(sb.url, 'session', { link_token: linkToken });
    const attempt = (login: Record<string, string>) =>
      linkCall(sb.url, 'submit', {
        link_token: linkToken,
        link_session_id: session.link_session_id,
        institution_id: 'ins_109509',
        ...login,
      });
    expect((await attempt({ username: 'user_good', password: 'pass_good' })).body.error_code).toBe('INVALID_UPDATED_USERNAME');
    expect((await attempt({ username: 'user_transactions_dynamic', password: '' })).body.error_code).toBe('INVALID_CREDENTIALS');
    expect((await attempt({ username: 'user_good', password: 'error_ITEM_LOCKED' })).body.error_code).toBe('ITEM_LOCKED');
    const elsewhere = await attempt({ username: 'user_transactions_dynamic', password: 'x', institution_id: 'ins_109508' });
    expect(elsewhere.body.error_code).toBe('INVALID_FIELD');
    expect(sb.state.item(itemId)?.status).toBe('login_required');
    expect((await attempt({ username: 'user_transactions_dynamic', password: 'x' })).status).toBe(200);
    expect(sb.state.item(itemId)?.status).toBe('active');
  });

  it('a removed Item cannot be updated; update-mode link tokens live 30 minutes', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const clocked = await startSandbox({ clock: { now: () => now } });
    try {
      const api = plaidClient(clocked);
      const pt = await api.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
      const { data } = await api.itemPublicTokenExchange({ public_token: pt.data.public_token });
      const linkToken = await createLinkToken(api, { access_token: data.access_token });
      now = new Date(now.getTime() + 30 * 60_000);
      expect((await linkCall(clocked.url, 'session', { link_token: linkToken })).body.error_code).toBe('INVALID_LINK_TOKEN');
      const fresh = await createLinkToken(api, { access_token: data.access_token });
      await api.itemRemove({ access_token: data.access_token });
      const removed = await linkCall(clocked.url, 'session', { link_token: fresh });
      expect(removed).toMatchObject({ status: 400, body: { error_type: 'ITEM_ERROR', error_code: 'ITEM_NOT_FOUND' } });
    } finally {
      await clocked.close();
    }
  });

  it('drops link tokens a day after they expired, when a new one is made', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const clocked = await startSandbox({ clock: { now: () => now } });
    try {
      const api = plaidClient(clocked);
      const old = await createLinkToken(api);
      now = new Date(now.getTime() + 27 * 3600_000); // expired 23 h ago: still answered
      await createLinkToken(api);
      expect((await api.linkTokenGet({ link_token: old })).data.link_token).toBe(old);
      now = new Date(now.getTime() + 2 * 3600_000); // expired 25 h ago
      await createLinkToken(api);
      expect((await plaidErrorOf(api.linkTokenGet({ link_token: old }))).code).toBe('INVALID_LINK_TOKEN');
    } finally {
      await clocked.close();
    }
  });

  it('link tokens survive a restart of a persisted sandbox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaid-sandbox-link-'));
    const persistPath = join(dir, 'state.json');
    try {
      const first = await startSandbox({ persistPath });
      const linkToken = await createLinkToken(plaidClient(first));
      await first.close();
      const second = await startSandbox({ persistPath });
      try {
        const { submit } = await signIn(second.url, linkToken, { institution_id: 'ins_109508' });
        expect(submit.status).toBe(200);
        await plaidClient(second).itemPublicTokenExchange({ public_token: submit.body.public_token as string });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
