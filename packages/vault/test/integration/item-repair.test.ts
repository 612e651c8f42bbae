/**
 * Item health without webhooks: a Plaid call that fails with ITEM_LOGIN_REQUIRED
 * marks the item `login_required`, and the next data read that succeeds marks it
 * `active` again, on any vault instance, against plaid-sandbox with no webhook URL
 * (nothing is delivered). SQLite here; PostgreSQL + Redis, restarts and races in
 * item-repair-shared.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

let env: PlaidEnv;
let vault: Vault;

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
  vault = await env.vault();
});
afterAll(async () => {
  await env?.close();
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isVaultError(err) ? err.code : err === undefined ? undefined : String(err);
}

/** An item whose bank login the sandbox has reset; the vault learned it from a failed accounts call. */
async function loginRequiredItem(v: Vault, userId: string): Promise<string> {
  const { itemId } = await v.link.sandboxLink({ userId });
  const deliveries = env.sb.state.webhookDeliveries().length;
  await env.sb.state.resetLogin(itemId);
  expect(await codeOf(v.data.accounts({ userId, itemId }))).toBe('ERR_PLAID_ITEM_LOGIN_REQUIRED');
  expect((await v.items.get({ userId, itemId })).status).toBe('login_required');
  expect(env.sb.state.webhookDeliveries().length).toBe(deliveries);
  return itemId;
}

describe('a successful call repairs login_required (no webhook)', () => {
  it('accounts: fails while the login is broken, then succeeds and the item is active again, audited', async () => {
    const userId = 'user-repair-accounts';
    const itemId = await loginRequiredItem(vault, userId);
    // Still broken at the bank: only a success repairs.
    expect(await codeOf(vault.data.accounts({ userId, itemId }))).toBe('ERR_PLAID_ITEM_LOGIN_REQUIRED');
    expect((await vault.items.get({ userId, itemId })).status).toBe('login_required');

    await env.sb.state.repairLogin(itemId); // the item has no webhook URL: nothing is delivered
    expect((await vault.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await vault.items.get({ userId, itemId })).status).toBe('active');

    await vault.audit.flush();
    const statusEvents = (await vault.audit.list({ itemId })).filter((e) => e.action === 'item.status').map((e) => e.purpose);
    expect(statusEvents).toEqual(['active:repaired_by_successful_call', 'login_required:plaid_call']);
    // Once active, further reads change nothing.
    await vault.data.accounts({ userId, itemId });
    await vault.audit.flush();
    expect((await vault.audit.list({ itemId })).filter((e) => e.action === 'item.status')).toHaveLength(2);
  });

  it('transactions on another vault instance (which never saw the failure) repairs from the row it reads', async () => {
    const userId = 'user-repair-sync';
    const itemId = await loginRequiredItem(vault, userId);
    await env.sb.state.repairLogin(itemId);
    const other = await env.vault();
    await other.data.transactions({ userId, itemId });
    expect((await vault.items.get({ userId, itemId })).status).toBe('active');
  });

  it('accounts on another vault instance (which never saw the failure) repairs it too, from the status it reads', async () => {
    const userId = 'user-repair-other';
    const itemId = await loginRequiredItem(vault, userId);
    await env.sb.state.repairLogin(itemId);
    const other = await env.vault();
    expect((await other.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await vault.items.get({ userId, itemId })).status).toBe('active');
    await vault.audit.flush();
    await other.audit.flush();
    const statusEvents = (await vault.audit.list({ itemId })).filter((e) => e.action === 'item.status').map((e) => e.purpose);
    expect(statusEvents.sort()).toEqual(['active:repaired_by_successful_call', 'login_required:plaid_call']);
  });

  it('an update-mode link token proves nothing: the item stays login_required', async () => {
    const userId = 'user-repair-link';
    const itemId = await loginRequiredItem(vault, userId);
    await expect(vault.link.createLinkToken({ userId, itemId })).resolves.toMatchObject({ linkToken: expect.any(String) });
    expect((await vault.items.get({ userId, itemId })).status).toBe('login_required');
  });

  it('pending_expiration is left alone by a successful call (consent still runs out)', async () => {
    const userId = 'user-repair-expiring';
    const { itemId } = await vault.link.sandboxLink({ userId });
    const raw = JSON.stringify(
      { webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: itemId, consent_expiration_time: null, environment: 'sandbox' },
      null,
      2,
    );
    await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) });
    expect((await vault.items.get({ userId, itemId })).status).toBe('pending_expiration');
    await vault.data.accounts({ userId, itemId });
    await vault.data.transactions({ userId, itemId });
    expect((await vault.items.get({ userId, itemId })).status).toBe('pending_expiration');
  });
});
