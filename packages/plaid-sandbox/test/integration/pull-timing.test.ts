import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi, Transaction } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const START = Date.parse('2026-03-15T12:00:00Z');
const MINUTE = 60_000;

describe('plaid-sandbox: opt-in first-pull timing', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let sb: Sandbox;
  let plaid: PlaidApi;
  let now = START;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Fake clock, delays far longer than the test: only the clock and tick() move the pull.
    sb = await startSandbox({ clock: { now: () => new Date(now) }, initialPullDelayMs: 10 * MINUTE, historicalPullDelayMs: 30 * MINUTE });
    plaid = plaidClient(sb);
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  async function webhook(): Promise<Record<string, unknown>> {
    const body = JSON.parse((await receiver.next()).body) as Record<string, unknown>;
    if (validateResponses) specValidator().assertWebhook(body);
    return body;
  }

  async function drain(access_token: string, cursor?: string) {
    const added: Transaction[] = [];
    let page;
    do {
      page = (await plaid.transactionsSync({ access_token, count: 20, ...(cursor !== undefined && { cursor }) })).data;
      added.push(...page.added);
      cursor = page.next_cursor;
    } while (page.has_more);
    return { added, cursor: cursor!, status: page.transactions_update_status };
  }

  it('NOT_READY, then the last 30 days (INITIAL_UPDATE), then the rest (HISTORICAL_UPDATE)', async () => {
    now = START;
    const { access_token, item_id } = await linkItem(plaid, { options: { webhook: `${receiver.url}/pull` } });
    expect((await plaidErrorOf(plaid.transactionsGet({ access_token, start_date: '2026-01-01', end_date: '2026-03-31' }))).code).toBe(
      'PRODUCT_NOT_READY',
    );
    const empty = await plaid.transactionsSync({ access_token });
    expect(empty.data).toMatchObject({
      transactions_update_status: 'NOT_READY',
      added: [],
      next_cursor: '',
      has_more: false,
      accounts: [],
    });
    expect((await plaid.itemGet({ access_token })).data.status?.transactions?.last_successful_update).toBeNull();
    expect(sb.state.item(item_id)?.transactionsStatus).toBe('NOT_READY');

    now = START + 10 * MINUTE;
    sb.state.tick();
    expect(await webhook()).toMatchObject({ webhook_code: 'INITIAL_UPDATE', new_transactions: 17 });
    expect(await webhook()).toMatchObject({
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      initial_update_complete: true,
      historical_update_complete: false,
    });
    const initial = await drain(access_token);
    expect(initial.status).toBe('INITIAL_UPDATE_COMPLETE');
    expect(initial.added).toHaveLength(17);
    expect(initial.added.every((t) => t.date >= '2026-02-13')).toBe(true);
    const got = await plaid.transactionsGet({ access_token, start_date: '2026-01-01', end_date: '2026-03-31' });
    expect(got.data.total_transactions).toBe(17);

    now = START + 30 * MINUTE;
    sb.state.tick();
    expect(await webhook()).toMatchObject({ webhook_code: 'HISTORICAL_UPDATE', new_transactions: 48 });
    expect(await webhook()).toMatchObject({ webhook_code: 'SYNC_UPDATES_AVAILABLE', historical_update_complete: true });
    const rest = await drain(access_token, initial.cursor);
    expect(rest.status).toBe('HISTORICAL_UPDATE_COMPLETE');
    expect(rest.added).toHaveLength(31);
    expect((await plaid.itemGet({ access_token })).data.status?.transactions?.last_successful_update).toBe(new Date(now).toISOString());
  });

  it('the whole history is the same as an instant Item would have, and SYNC_UPDATES_AVAILABLE waits for a first sync', async () => {
    now = START;
    const { access_token } = await linkItem(plaid, { options: { webhook: `${receiver.url}/quiet` } });
    // No /transactions/sync yet: only the legacy webhooks are sent. An API call also completes due stages.
    now = START + 30 * MINUTE;
    await plaid.itemGet({ access_token });
    expect((await webhook()).webhook_code).toBe('INITIAL_UPDATE');
    expect((await webhook()).webhook_code).toBe('HISTORICAL_UPDATE');
    const timed = await drain(access_token);

    const instant = await startSandbox({ clock: { now: () => new Date(START) } });
    try {
      const api = plaidClient(instant);
      const other = await linkItem(api);
      const all = (await api.transactionsSync({ access_token: other.access_token, count: 500 })).data.added;
      const shape = (list: Transaction[]) =>
        list.map((t) => [t.name, t.amount, t.date, t.pending]).sort((a, b) => String(a).localeCompare(String(b)));
      expect(shape(timed.added)).toEqual(shape(all));
    } finally {
      await instant.close();
    }
  });

  it('Transactions added after Link pull from the first call', async () => {
    now = START;
    const { access_token, item_id } = await linkItem(plaid, {
      products: ['auth'],
      options: { additional_consented_products: ['transactions'] },
    });
    now = START + 60 * MINUTE;
    const first = await plaid.transactionsSync({ access_token });
    expect(first.data.transactions_update_status).toBe('NOT_READY');
    expect(sb.state.item(item_id)?.products).toEqual(['auth', 'transactions']);
    expect((await plaidErrorOf(plaid.transactionsRefresh({ access_token }))).code).toBe('PRODUCT_NOT_READY');
    now = START + 90 * MINUTE;
    expect((await plaid.transactionsSync({ access_token })).data.transactions_update_status).toBe('HISTORICAL_UPDATE_COMPLETE');
  });

  it('with the system clock, timers complete the pull on their own', async () => {
    const timed = await startSandbox({ initialPullDelayMs: 50, historicalPullDelayMs: 100 });
    try {
      const api = plaidClient(timed);
      const { access_token } = await linkItem(api, { options: { webhook: `${receiver.url}/timers` } });
      await api.transactionsSync({ access_token });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await webhook()).webhook_code);
      expect(codes).toEqual(['INITIAL_UPDATE', 'SYNC_UPDATES_AVAILABLE', 'HISTORICAL_UPDATE', 'SYNC_UPDATES_AVAILABLE']);
    } finally {
      await timed.close();
    }
  });

  it('rejects a historical delay shorter than the initial one', async () => {
    await expect(startSandbox({ initialPullDelayMs: 100, historicalPullDelayMs: 50 })).rejects.toThrow(/historicalPullDelayMs/);
  });
});
