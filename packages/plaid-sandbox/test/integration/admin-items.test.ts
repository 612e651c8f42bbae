import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

describe('plaid-sandbox: /__admin item routes', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const post = (base: string, path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sb = await startSandbox({ admin: true });
    plaid = plaidClient(sb);
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  it('reset_login then repair_login over HTTP: calls fail, then work again, and LOGIN_REPAIRED is delivered', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: ['transactions' as never],
      options: { webhook: `${receiver.url}/hooks/admin` },
    });
    const { access_token, item_id } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;

    expect((await post(sb.url, '/__admin/items/reset_login', { item_id })).status).toBe(200);
    expect(JSON.parse((await receiver.next()).body)).toMatchObject({ webhook_code: 'ERROR', item_id });
    expect((await plaidErrorOf(plaid.accountsGet({ access_token }))).code).toBe('ITEM_LOGIN_REQUIRED');

    const res = await post(sb.url, '/__admin/items/repair_login', { item_id });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const hook = await receiver.next();
    expect(hook.jwt).toBeTruthy();
    expect(JSON.parse(hook.body)).toMatchObject({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id });
    expect((await plaid.accountsGet({ access_token })).data.item.item_id).toBe(item_id);
    expect(sb.state.item(item_id)?.status).toBe('active');
  });

  it('repair_login of an unknown item is a 400 with a Plaid-shaped error body', async () => {
    const res = await post(sb.url, '/__admin/items/repair_login', { item_id: 'no-such-item' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_type: 'INVALID_REQUEST' });
  });

  it('without admin: true the route does not exist', async () => {
    const plain = await startSandbox();
    try {
      expect((await post(plain.url, '/__admin/items/repair_login', { item_id: 'x' })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
