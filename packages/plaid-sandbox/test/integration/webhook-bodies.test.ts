import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { WEBHOOK_SCHEMAS } from '../helpers/webhook-schemas.js';

/** Every (webhook_type, webhook_code) `/sandbox/item/fire_webhook` can send. */
const FIREABLE: [type: string | undefined, code: string][] = [
  [undefined, 'DEFAULT_UPDATE'],
  ['TRANSACTIONS', 'DEFAULT_UPDATE'],
  ['AUTH', 'DEFAULT_UPDATE'],
  ['HOLDINGS', 'DEFAULT_UPDATE'],
  ['INVESTMENTS_TRANSACTIONS', 'DEFAULT_UPDATE'],
  ['LIABILITIES', 'DEFAULT_UPDATE'],
  [undefined, 'NEW_ACCOUNTS_AVAILABLE'],
  [undefined, 'SMS_MICRODEPOSITS_VERIFICATION'],
  [undefined, 'USER_PERMISSION_REVOKED'],
  [undefined, 'USER_ACCOUNT_REVOKED'],
  [undefined, 'PENDING_DISCONNECT'],
  [undefined, 'RECURRING_TRANSACTIONS_UPDATE'],
  [undefined, 'LOGIN_REPAIRED'],
  [undefined, 'SYNC_UPDATES_AVAILABLE'],
];

describe('plaid-sandbox: every webhook body matches its own spec schema', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let item: { access_token: string; item_id: string };
  const seen = new Set<string>();

  /** The next delivered body, validated against the schema named for its type and code. */
  async function nextWebhook(): Promise<Record<string, unknown>> {
    const body = JSON.parse((await receiver.next()).body) as Record<string, unknown>;
    expect(body).toMatchObject({ item_id: item.item_id, environment: 'sandbox' });
    if (validateResponses) seen.add(specValidator().assertWebhook(body));
    return body;
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sb = await startSandbox();
    plaid = plaidClient(sb);
    item = await linkItem(plaid, {
      products: ['auth', 'identity', 'investments', 'liabilities', 'transactions'],
      options: { webhook: `${receiver.url}/all` },
    });
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  it.each(FIREABLE)('fire_webhook %s %s', async (type, code) => {
    const fired = await plaid.sandboxItemFireWebhook({
      access_token: item.access_token,
      webhook_code: code as never,
      ...(type && { webhook_type: type as never }),
    });
    expect(fired.data.webhook_fired).toBe(true);
    const body = await nextWebhook();
    expect(body).toMatchObject({ webhook_type: type ?? expect.any(String), webhook_code: code });
  });

  it('RECURRING_TRANSACTIONS_UPDATE names the accounts, LIABILITIES the liability accounts', async () => {
    const accounts = (await plaid.accountsGet({ access_token: item.access_token })).data.accounts;
    await plaid.sandboxItemFireWebhook({ access_token: item.access_token, webhook_code: 'RECURRING_TRANSACTIONS_UPDATE' as never });
    const recurring = await nextWebhook();
    expect((recurring.account_ids as string[]).every((id) => accounts.some((a) => a.account_id === id))).toBe(true);
    expect((recurring.account_ids as string[]).length).toBeGreaterThan(0);
    await plaid.sandboxItemFireWebhook({
      access_token: item.access_token,
      webhook_code: 'DEFAULT_UPDATE' as never,
      webhook_type: 'LIABILITIES' as never,
    });
    const liabilities = await nextWebhook();
    const updated = Object.keys(liabilities.account_ids_with_updated_liabilities as object);
    expect(updated.map((id) => accounts.find((a) => a.account_id === id)?.type)).toEqual(['credit']);
  });

  it('webhooks sent by other calls validate too: reset_login, repair, webhook update', async () => {
    await plaid.sandboxItemResetLogin({ access_token: item.access_token });
    expect((await nextWebhook()).webhook_code).toBe('ERROR');
    await sb.state.repairLogin(item.item_id);
    expect((await nextWebhook()).webhook_code).toBe('LOGIN_REPAIRED');
    await plaid.itemWebhookUpdate({ access_token: item.access_token, webhook: `${receiver.url}/moved` });
    expect((await nextWebhook()).webhook_code).toBe('WEBHOOK_UPDATE_ACKNOWLEDGED');
  });

  it('refuses codes it cannot send, types a code does not come in, and products the Item lacks', async () => {
    const fire = (webhook_code: string, webhook_type?: string, access_token = item.access_token) =>
      plaidErrorOf(
        plaid.sandboxItemFireWebhook({
          access_token,
          webhook_code: webhook_code as never,
          ...(webhook_type && { webhook_type: webhook_type as never }),
        }),
      );
    expect((await fire('AUTHORIZATION_GRANTED')).code).toBe('INVALID_FIELD');
    expect((await fire('DEFAULT_UPDATE', 'ITEM')).code).toBe('INVALID_FIELD');
    expect((await fire('LOGIN_REPAIRED', 'TRANSACTIONS')).code).toBe('INVALID_FIELD');
    expect((await fire('PRODUCT_READY')).code).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    expect((await fire('ERROR', 'ASSETS')).code).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    const txOnly = await linkItem(plaid, { options: { webhook: `${receiver.url}/tx` } });
    for (const type of ['HOLDINGS', 'INVESTMENTS_TRANSACTIONS', 'LIABILITIES', 'AUTH']) {
      expect((await fire('DEFAULT_UPDATE', type, txOnly.access_token)).code, type).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    }
  });

  it.skipIf(!validateResponses)('covered every schema in the table except the first-pull ones (tested with timing)', () => {
    const expected = Object.values(WEBHOOK_SCHEMAS).filter((n) => n !== 'InitialUpdateWebhook' && n !== 'HistoricalUpdateWebhook');
    expect([...seen].sort()).toEqual([...new Set(expected)].sort());
  });
});
