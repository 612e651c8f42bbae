/**
 * Two users on one real vault: each sees only their own items and audit
 * trail, and every one of A's item routes answers B exactly as it answers a
 * missing item. Every response is scanned for tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/index.js';
import { fakeAccessToken } from '../helpers/services.js';
import { assertLogClean, createClient, createMemoryLogger, createTestVault, getTestUser, type TestVault } from './http-harness.js';

let tv: TestVault;
let client: ReturnType<typeof createClient>;
const logger = createMemoryLogger();
const tokens: string[] = [];
const A = 'user-a@example.com';
const B = 'user-b@example.com';
const aItems: [string, string] = ['item-a-1', 'item-a-2'];
const bItem = 'item-b-1';

beforeAll(async () => {
  tv = await createTestVault();
  for (const [userId, itemId] of [
    [A, aItems[0]],
    [A, aItems[1]],
    [B, bItem],
  ] as const) {
    const accessToken = fakeAccessToken();
    tokens.push(accessToken);
    await tv.vault.items.put({
      userId,
      itemId,
      accessToken,
      institutionId: 'ins_109508',
      institutionName: 'First Platypus Bank',
      products: ['transactions'],
    });
  }
  await tv.vault.withToken({ userId: A, itemId: aItems[0]!, purpose: 'accounts.get' }, () => undefined);
  await tv.vault.withToken({ userId: B, itemId: bItem, purpose: 'accounts.get' }, () => undefined);
  const app = createHttpApp({ vault: tv.vault, getUserId: getTestUser, logger });
  client = createClient(
    (req) => app.fetch(req),
    'http://vault.test',
    () => tokens,
  );
});

afterAll(async () => {
  await tv?.close();
});

describe('items', () => {
  it('lists only the caller’s items, as allow-listed summaries', async () => {
    const r = await client.call('GET', '/items', { user: A });
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: { itemId: string }) => i.itemId).sort()).toEqual([...aItems].sort());
    for (const item of r.json.items) {
      expect(Object.keys(item).sort()).toEqual([
        'createdAt',
        'institutionId',
        'institutionName',
        'itemId',
        'products',
        'rotatedAt',
        'status',
      ]);
      expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);
    }
    expect((await client.call('GET', '/items', { user: B })).json.items.map((i: { itemId: string }) => i.itemId)).toEqual([bItem]);
  });

  const routes = (id: string) =>
    [
      ['DELETE', `/items/${id}`],
      ['POST', `/items/${id}/rotate`],
      ['GET', `/items/${id}/accounts`],
      ['GET', `/items/${id}/transactions`],
      ['GET', `/items/${id}/transactions?cursor=abc`],
      ['POST', '/link/token', { itemId: id }],
    ] as const;

  it.each(routes(aItems[0]!).map((r) => [`${r[0]} ${r[1]}`, r] as const))(
    'B gets 404 on A’s %s, same body as a missing item',
    async (_n, route) => {
      const [method, path, body] = route;
      const other = await client.call(method, path, { user: B, ...(body ? { body } : {}) });
      const missingPath = path.replace(aItems[0]!, 'item-does-not-exist');
      const missingBody = body ? { itemId: 'item-does-not-exist' } : undefined;
      const missing = await client.call(method, missingPath, { user: B, ...(missingBody ? { body: missingBody } : {}) });
      expect(other.status).toBe(404);
      expect(other.json).toEqual({ code: 'ERR_ITEM_NOT_FOUND', message: missing.json.message });
      expect(other.text).toBe(missing.text);
    },
  );

  it('leaves A’s items untouched after B’s attempts', async () => {
    const items = await tv.vault.items.list(A);
    expect(items.map((i) => i.itemId).sort()).toEqual([...aItems].sort());
    expect(items.every((i) => i.status === 'active' && i.rotatedAt === null)).toBe(true);
  });

  it('needs a session on every item route', async () => {
    for (const [method, path, body] of routes(aItems[0]!)) {
      const r = await client.call(method, path, body ? { body } : {});
      expect(r.status).toBe(401);
      expect(r.json.code).toBe('ERR_AUTH_REQUIRED');
    }
  });
});

describe('audit', () => {
  it('shows the caller only their own events, newest first, without chain or request internals', async () => {
    const r = await client.call('GET', '/audit', { user: B });
    expect(r.status).toBe(200);
    expect(r.json.events.length).toBeGreaterThan(0);
    for (const e of r.json.events) {
      expect(Object.keys(e).sort()).toEqual(['action', 'actor', 'at', 'itemId', 'outcome', 'purpose', 'seq']);
      // B may see its own refused attempts on A's item ids (B sent those ids), never A's activity.
      if (aItems.includes(e.itemId)) expect(e.outcome, JSON.stringify(e)).not.toBe('ok');
    }
    const aSeqs = new Set(((await client.call('GET', '/audit?limit=200', { user: A })).json.events as { seq: number }[]).map((e) => e.seq));
    expect(r.json.events.filter((e: { seq: number }) => aSeqs.has(e.seq))).toEqual([]);
    expect(
      r.json.events.some((e: { action: string; purpose: string }) => e.action === 'token.decrypt' && e.purpose === 'accounts.get'),
    ).toBe(true);
    const seqs = r.json.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x: number, y: number) => y - x));
  });

  it('pages backwards with ?before', async () => {
    const all = (await client.call('GET', '/audit?limit=200', { user: A })).json.events as { seq: number }[];
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = await client.call('GET', '/audit?limit=2', { user: A });
    expect(first.json.events.map((e: { seq: number }) => e.seq)).toEqual(all.slice(0, 2).map((e) => e.seq));
    expect(first.json.nextBefore).toBe(all[1]!.seq);
    const second = await client.call('GET', `/audit?limit=2&before=${first.json.nextBefore}`, { user: A });
    expect(second.json.events.map((e: { seq: number }) => e.seq)).toEqual(all.slice(2, 4).map((e) => e.seq));
    const last = await client.call('GET', `/audit?limit=200&before=${all.at(-1)!.seq}`, { user: A });
    expect(last.json).toEqual({ events: [], nextBefore: null });
  });
});

it('wrote no token to the log', () => {
  expect(client.calls()).toBeGreaterThan(10);
  assertLogClean(logger.lines, tokens);
});
