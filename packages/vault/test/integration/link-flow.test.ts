/**
 * The Link-less flow end to end through the vault, against plaid-sandbox over
 * HTTP through the official SDK: link, list, proxied reads, update-mode link
 * token, removal. No return value may contain an access token.
 */
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import { createMemoryLogger } from './http-harness.js';
import { containsAny, type PlaidEnv, sandboxApi, startPlaidEnv, TOKEN_MARK } from './plaid-harness.js';

let env: PlaidEnv;
let vault: Vault;
const wire: { url: string; body: Record<string, unknown> }[] = [];
const USER = 'user-link-flow@example.com';
const logger = createMemoryLogger();

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite', products: ['transactions', 'auth'] });
  // A real SDK client whose requests we can read on the way out (no mock: it still talks HTTP to the sandbox).
  const http = axios.create();
  http.interceptors.request.use((req) => {
    wire.push({ url: String(req.url), body: typeof req.data === 'string' ? JSON.parse(req.data) : (req.data ?? {}) });
    return req;
  });
  const client = sandboxApi(env, { http });
  vault = await env.vault({ plaidClient: client, logger });
});
afterAll(async () => env?.close());

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isVaultError(err) ? err.code : err).toBe(code);
}

describe('link-less flow', () => {
  let itemId: string;

  it('links a sandbox item and returns only its id and institution', async () => {
    const result = await vault.link.sandboxLink({ userId: USER });
    expect(Object.keys(result).sort()).toEqual(['duplicates', 'institutionName', 'itemId']);
    expect(result.institutionName).toBe('First Platypus Bank');
    expect(containsAny(result, [TOKEN_MARK])).toBe(false);
    itemId = result.itemId;
    expect(env.sb.state.item(itemId)?.status).toBe('active');
  });

  it('lists the item with its products, never a token', async () => {
    const items = await vault.items.list(USER);
    expect(items.map((i) => i.itemId)).toEqual([itemId]);
    expect(items[0]!.products).toContain('transactions');
    expect(containsAny(items, [TOKEN_MARK])).toBe(false);
  });

  it('proxies accounts and balances as projections', async () => {
    const accounts = await vault.data.accounts({ userId: USER, itemId });
    expect(accounts.length).toBeGreaterThan(0);
    expect(Object.keys(accounts[0]!).sort()).toEqual(['accountId', 'balances', 'mask', 'name', 'officialName', 'subtype', 'type']);
    const balances = await vault.data.balances({ userId: USER, itemId });
    expect(balances.map((a) => a.accountId).sort()).toEqual(accounts.map((a) => a.accountId).sort());
    expect(containsAny([accounts, balances], [TOKEN_MARK])).toBe(false);
  });

  it('syncs transactions incrementally and persists the cursor', async () => {
    const first = await vault.data.transactions({ userId: USER, itemId });
    expect(first.added.length).toBeGreaterThan(0);
    expect(first.nextCursor).not.toBe('');
    expect(containsAny(first, [TOKEN_MARK])).toBe(false);
    const again = await vault.data.transactions({ userId: USER, itemId });
    expect(again.added).toEqual([]);
    expect(again.nextCursor).toBe(first.nextCursor);
    // The second call started from the persisted cursor.
    const syncBodies = wire.filter((w) => w.url.endsWith('/transactions/sync'));
    expect(syncBodies.at(-1)!.body.cursor).toBe(first.nextCursor);
  });

  it('serves auth (enabled) and refuses identity (not enabled) before any request', async () => {
    const auth = (await vault.data.auth({ userId: USER, itemId })) as { numbers: { ach: unknown[] } };
    expect(auth.numbers.ach.length).toBeGreaterThan(0);
    const before = { ...env.sb.state.counters };
    const wireBefore = wire.length;
    await expectCode(vault.data.identity({ userId: USER, itemId }), 'ERR_PRODUCT_NOT_ENABLED');
    expect(env.sb.state.counters).toEqual(before);
    expect(wire.length).toBe(wireBefore);
  });

  it('another user gets ERR_ITEM_NOT_FOUND and Plaid is not called', async () => {
    const before = { ...env.sb.state.counters };
    await expectCode(vault.data.accounts({ userId: 'someone-else', itemId }), 'ERR_ITEM_NOT_FOUND');
    await expectCode(vault.data.transactions({ userId: 'someone-else', itemId }), 'ERR_ITEM_NOT_FOUND');
    await expectCode(vault.link.createLinkToken({ userId: 'someone-else', itemId }), 'ERR_ITEM_NOT_FOUND');
    expect(env.sb.state.counters).toEqual(before);
  });

  it('creates link tokens with configured products and an HMAC of the user id', async () => {
    const created = await vault.link.createLinkToken({ userId: USER });
    expect(created.linkToken).toMatch(/^link-sandbox-/);
    expect(created.expiration.getTime()).toBeGreaterThan(Date.now());
    const body = wire.filter((w) => w.url.endsWith('/link/token/create')).at(-1)!.body;
    expect(body.products).toEqual(['transactions', 'auth']);
    const clientUserId = (body.user as { client_user_id: string }).client_user_id;
    expect(clientUserId).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(wire)).not.toContain(USER);
    // Stable per user, different across users.
    await vault.link.createLinkToken({ userId: 'another-user' });
    const other = wire.filter((w) => w.url.endsWith('/link/token/create')).at(-1)!.body;
    expect((other.user as { client_user_id: string }).client_user_id).not.toBe(clientUserId);
  });

  it('creates an update-mode link token for an owned item (token sent to Plaid, not returned)', async () => {
    const created = await vault.link.createLinkToken({ userId: USER, itemId });
    expect(containsAny(created, [TOKEN_MARK])).toBe(false);
    const body = wire.filter((w) => w.url.endsWith('/link/token/create')).at(-1)!.body;
    expect(String(body.access_token)).toMatch(/^access-sandbox-/);
    expect(body.products).toBeUndefined();
  });

  it('removes the item at Plaid and locally, idempotently', async () => {
    await vault.items.remove({ userId: USER, itemId });
    expect(env.sb.state.item(itemId)?.status).toBe('removed');
    expect(await vault.items.list(USER)).toEqual([]);
    await expectCode(vault.data.accounts({ userId: USER, itemId }), 'ERR_ITEM_NOT_FOUND');
    const removeCalls = env.sb.state.counters['/item/remove'];
    await vault.items.remove({ userId: USER, itemId });
    expect(env.sb.state.counters['/item/remove']).toBe(removeCalls);
    const events = await vault.audit.list({ itemId });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['item.link', 'item.remove', 'token.decrypt']));
    expect(containsAny(events, [TOKEN_MARK])).toBe(false);
  });

  it('wrote no token or secret to the log', () => {
    expect(logger.lines.filter((l) => l.includes(TOKEN_MARK) || l.includes(env.sb.secret))).toEqual([]);
  });
});
