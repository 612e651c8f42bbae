import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

describe('plaid-sandbox: recurring streams and custom sandbox transactions', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sb = await startSandbox({ clock: { now: () => new Date('2026-03-15T12:00:00Z') } });
    plaid = plaidClient(sb);
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  it('/transactions/recurring/get finds user_good monthly streams, in and out', async () => {
    const { access_token } = await linkItem(plaid);
    const { data } = await plaid.transactionsRecurringGet({ access_token });
    expect(data.updated_datetime).toBe('2026-03-15T12:00:00.000Z');
    const payroll = data.inflow_streams.find((s) => s.description === 'Gusto Pay 123456')!;
    expect(payroll).toMatchObject({ frequency: 'MONTHLY', status: 'MATURE', is_active: true, average_amount: { amount: -5850 } });
    expect(payroll.transaction_ids).toHaveLength(3);
    expect(payroll.predicted_next_date! > payroll.last_date).toBe(true);
    const coffee = data.outflow_streams.find((s) => s.description === 'Starbucks')!;
    expect(coffee).toMatchObject({ merchant_name: 'Starbucks', frequency: 'MONTHLY', last_amount: { amount: 4.33 } });
    const accounts = (await plaid.accountsGet({ access_token })).data.accounts;
    const card = accounts.find((a) => a.mask === '3333')!.account_id;
    const only = await plaid.transactionsRecurringGet({ access_token, account_ids: [card] });
    expect([...only.data.inflow_streams, ...only.data.outflow_streams].every((s) => s.account_id === card)).toBe(true);
    expect((await plaidErrorOf(plaid.transactionsRecurringGet({ access_token, account_ids: ['nope'] }))).code).toBe('INVALID_ACCOUNT_ID');
  });

  it('/sandbox/transactions/create adds posted transactions for the dynamic user, with webhooks', async () => {
    const { access_token } = await linkItem(plaid, {
      options: { override_username: 'user_transactions_dynamic', webhook: `${receiver.url}/custom` },
    });
    const first = await plaid.transactionsSync({ access_token, count: 500 });
    const created = await plaid.sandboxTransactionsCreate({
      access_token,
      transactions: [
        { date_transacted: '2026-03-14', date_posted: '2026-03-15', amount: 12.34, description: 'Corner Bakery', iso_currency_code: 'USD' },
        { date_transacted: '2026-03-13', date_posted: '2026-03-14', amount: -100, description: 'Refund' },
      ],
    });
    expect(created.data.request_id).toEqual(expect.any(String));
    const next = await plaid.transactionsSync({ access_token, cursor: first.data.next_cursor });
    expect(next.data.added.map((t) => [t.name, t.amount, t.date, t.authorized_date, t.pending])).toEqual([
      ['Corner Bakery', 12.34, '2026-03-15', '2026-03-14', false],
      ['Refund', -100, '2026-03-14', '2026-03-13', false],
    ]);
    const checking = (await plaid.accountsGet({ access_token })).data.accounts[0]!.account_id;
    expect(new Set(next.data.added.map((t) => t.account_id))).toEqual(new Set([checking]));
    for (const code of ['DEFAULT_UPDATE', 'SYNC_UPDATES_AVAILABLE']) {
      const body = JSON.parse((await receiver.next()).body) as Record<string, unknown>;
      expect(body.webhook_code).toBe(code);
      if (validateResponses) specValidator().assertWebhook(body);
      if (code === 'DEFAULT_UPDATE') expect(body.new_transactions).toBe(2);
    }

    const good = await linkItem(plaid);
    const one = { date_transacted: '2026-03-14', date_posted: '2026-03-15', amount: 1, description: 'x' };
    expect((await plaidErrorOf(plaid.sandboxTransactionsCreate({ access_token: good.access_token, transactions: [one] }))).code).toBe(
      'INVALID_FIELD',
    );
    const eleven = Array.from({ length: 11 }, () => one);
    for (const transactions of [[], eleven, [{ ...one, date_posted: '15/03/2026' }], [{ ...one, amount: '1' }]]) {
      expect((await plaidErrorOf(plaid.sandboxTransactionsCreate({ access_token, transactions: transactions as never }))).code).toBe(
        'INVALID_FIELD',
      );
    }
  });
});
