import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi, Transaction } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

describe('plaid-sandbox: transactions sync, get and dynamic refresh', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox({ clock: { now: () => new Date('2026-03-15T12:00:00Z') } });
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  async function item(username: string) {
    const pt = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: ['transactions' as never],
      options: { override_username: username, override_password: 'pass_good' },
    });
    return (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
  }

  async function drain(accessToken: string, cursor: string | undefined, count: number) {
    const added: Transaction[] = [];
    const modified: Transaction[] = [];
    const removed: string[] = [];
    let pages = 0;
    for (let more = true; more && pages < 100; pages++) {
      const { data } = await plaid.transactionsSync({ access_token: accessToken, count, ...(cursor !== undefined && { cursor }) });
      added.push(...data.added);
      modified.push(...data.modified);
      removed.push(...data.removed.map((r) => r.transaction_id));
      cursor = data.next_cursor;
      more = data.has_more;
    }
    return { added, modified, removed, cursor: cursor!, pages };
  }

  it('pages the full user_good history with has_more and count, then returns nothing new', async () => {
    const { access_token } = await item('user_good');
    const whole = await drain(access_token, undefined, 500);
    expect(whole.pages).toBe(1);
    const paged = await drain(access_token, undefined, 7);
    expect(paged.pages).toBe(Math.ceil(whole.added.length / 7));
    expect(paged.added.map((t) => t.transaction_id)).toEqual(whole.added.map((t) => t.transaction_id));
    expect(new Set(whole.added.map((t) => t.transaction_id)).size).toBe(whole.added.length);
    const again = await plaid.transactionsSync({ access_token, cursor: whole.cursor });
    expect([again.data.added, again.data.modified, again.data.removed, again.data.has_more]).toEqual([[], [], [], false]);
    expect(again.data.next_cursor).toBe(whole.cursor);
  });

  it('is deterministic for user_good across Items (except ids)', async () => {
    const [a, b] = [await item('user_good'), await item('user_good')];
    const shape = async (token: string) => (await drain(token, undefined, 500)).added.map((t) => [t.name, t.amount, t.date, t.pending]);
    const first = await shape(a.access_token);
    expect(first).toHaveLength(48);
    expect(await shape(b.access_token)).toEqual(first);
  });

  it('rejects bad counts and cursors from other Items', async () => {
    const [a, b] = [await item('user_good'), await item('user_good')];
    expect((await plaidErrorOf(plaid.transactionsSync({ access_token: a.access_token, count: 501 }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.transactionsSync({ access_token: a.access_token, count: 0 }))).code).toBe('INVALID_FIELD');
    const { cursor } = await drain(a.access_token, undefined, 500);
    expect((await plaidErrorOf(plaid.transactionsSync({ access_token: b.access_token, cursor }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.transactionsSync({ access_token: a.access_token, cursor: 'garbage' }))).code).toBe('INVALID_FIELD');
  });

  it('user_transactions_dynamic: refresh posts pending as removed + added, bumps one amount, adds pending', async () => {
    const { access_token } = await item('user_transactions_dynamic');
    const initial = await drain(access_token, undefined, 20);
    expect(initial.added).toHaveLength(50);
    const pendingIds = initial.added.filter((t) => t.pending).map((t) => t.transaction_id);
    expect(pendingIds.length).toBeGreaterThan(0);

    await plaid.transactionsRefresh({ access_token });
    const update = await drain(access_token, initial.cursor, 3);
    expect(update.pages).toBeGreaterThan(1);
    expect(update.removed.sort()).toEqual([...pendingIds].sort());
    const posted = update.added.filter((t) => !t.pending);
    expect(posted.map((t) => t.pending_transaction_id).sort()).toEqual([...pendingIds].sort());
    expect(update.added.filter((t) => t.pending).length).toBeGreaterThan(0);
    expect(update.modified).toHaveLength(1);
    const before = initial.added.find((t) => t.transaction_id === update.modified[0]!.transaction_id)!;
    expect(update.modified[0]!.amount).toBeCloseTo(before.amount + 1, 2);
  });

  it('user_good does not change on refresh', async () => {
    const { access_token } = await item('user_good');
    const { cursor } = await drain(access_token, undefined, 500);
    await plaid.transactionsRefresh({ access_token });
    const after = await plaid.transactionsSync({ access_token, cursor });
    expect(after.data.added.length + after.data.modified.length + after.data.removed.length).toBe(0);
  });

  it('/transactions/get filters by date, pages with offset and counts the total', async () => {
    const { access_token } = await item('user_good');
    const all = await plaid.transactionsGet({ access_token, start_date: '2025-01-01', end_date: '2026-12-31', options: { count: 500 } });
    expect(all.data.total_transactions).toBe(48);
    const dates = all.data.transactions.map((t) => t.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    const page = await plaid.transactionsGet({
      access_token,
      start_date: '2025-01-01',
      end_date: '2026-12-31',
      options: { count: 10, offset: 10 },
    });
    expect(page.data.transactions.map((t) => t.transaction_id)).toEqual(all.data.transactions.slice(10, 20).map((t) => t.transaction_id));
    const narrow = await plaid.transactionsGet({ access_token, start_date: '2026-03-01', end_date: '2026-03-15' });
    expect(narrow.data.transactions.every((t) => t.date >= '2026-03-01' && t.date <= '2026-03-15')).toBe(true);
    expect(narrow.data.total_transactions).toBeLessThan(48);
    expect((await plaidErrorOf(plaid.transactionsGet({ access_token, start_date: '2026-13-45', end_date: '2026-12-31' }))).code).toBe(
      'INVALID_FIELD',
    );
  });
});
