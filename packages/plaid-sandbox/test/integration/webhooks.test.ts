import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';
import { startWebhookReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver.js';

describe('plaid-sandbox: signed webhooks', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sb = await startSandbox();
    plaid = plaidClient(sb);
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  /** What a receiver does (Plaid's recipe): fetch the key by kid, verify ES256 and age, compare the body hash. */
  async function verify(body: string, jwt: string): Promise<boolean> {
    const { kid, alg } = decodeProtectedHeader(jwt);
    if (alg !== 'ES256' || !kid) return false;
    const { data } = await plaid.webhookVerificationKeyGet({ key_id: kid });
    const key = await importJWK(data.key as never, 'ES256');
    try {
      const { payload } = await jwtVerify(jwt, key, { algorithms: ['ES256'], maxTokenAge: '5 min' });
      return payload.request_body_sha256 === createHash('sha256').update(body).digest('hex');
    } catch {
      return false;
    }
  }

  async function itemWithWebhook(path: string, products = ['transactions']) {
    const pt = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: products as never,
      options: { webhook: `${receiver.url}${path}` },
    });
    return (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
  }

  it('reset_login -> ITEM_LOGIN_REQUIRED and an ITEM ERROR webhook that verifies; one changed byte does not', async () => {
    const { access_token, item_id } = await itemWithWebhook('/hooks/a');
    const reset = await plaid.sandboxItemResetLogin({ access_token });
    expect(reset.data.reset_login).toBe(true);

    const hook: ReceivedWebhook = await receiver.next();
    expect(hook.path).toBe('/hooks/a');
    expect(hook.contentType).toMatch(/^application\/json/);
    expect(hook.body).toBe(JSON.stringify(JSON.parse(hook.body), null, 2));
    const parsed = JSON.parse(hook.body) as Record<string, unknown>;
    if (validateResponses) specValidator().assertSchema('ItemErrorWebhook', parsed);
    expect(parsed).toMatchObject({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id, error: { error_code: 'ITEM_LOGIN_REQUIRED' } });

    expect(decodeProtectedHeader(hook.jwt!)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(await verify(hook.body, hook.jwt!)).toBe(true);
    const tampered = hook.body.replace('"ITEM"', '"ITEN"');
    expect(tampered).not.toBe(hook.body);
    expect(await verify(tampered, hook.jwt!)).toBe(false);

    expect((await plaidErrorOf(plaid.accountsGet({ access_token }))).code).toBe('ITEM_LOGIN_REQUIRED');
    const item = await plaid.itemGet({ access_token });
    expect(item.data.item.error?.error_code).toBe('ITEM_LOGIN_REQUIRED');
    expect(item.data.status?.last_webhook?.code_sent).toBe('ERROR');
    expect(sb.state.item(item_id)?.status).toBe('login_required');

    await sb.state.repairLogin(item_id);
    expect((await receiver.next()).body).toContain('LOGIN_REPAIRED');
    expect((await plaid.accountsGet({ access_token })).data.accounts.length).toBeGreaterThan(0);
  });

  it('serves the key as a full JWK, and rejects unknown key ids', async () => {
    const { data } = await plaid.webhookVerificationKeyGet({ key_id: sb.webhookKey().kid });
    expect(data.key).toMatchObject({ alg: 'ES256', kty: 'EC', crv: 'P-256', use: 'sig', expired_at: null });
    expect(Number.isInteger(data.key.created_at)).toBe(true);
    expect((await plaidErrorOf(plaid.webhookVerificationKeyGet({ key_id: 'nope' }))).code).toBe('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
  });

  it('signWebhook forges stale, foreign, mislabeled and wrong-hash JWTs that a receiver rejects', async () => {
    const body = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'x' }, null, 2);
    expect(await verify(body, sb.signWebhook(body))).toBe(true);
    const cases = [
      sb.signWebhook(body, { iat: Math.floor(Date.now() / 1000) - 600 }),
      sb.signWebhook(body, { foreignKey: true }),
      sb.signWebhook(body, { alg: 'none' }),
      sb.signWebhook(body, { bodySha256: '00'.repeat(32) }),
    ];
    for (const jwt of cases) expect(await verify(body, jwt)).toBe(false);
  });

  it('a rotated key keeps serving the old kid with expired_at set', async () => {
    const oldKid = sb.webhookKey().kid;
    const newKid = sb.state.rotateWebhookKey();
    expect(newKid).not.toBe(oldKid);
    const old = await plaid.webhookVerificationKeyGet({ key_id: oldKid });
    expect(old.data.key.expired_at).toEqual(expect.any(Number));
    const body = '{}';
    expect(decodeProtectedHeader(sb.signWebhook(body)).kid).toBe(newKid);
    expect(await verify(body, sb.signWebhook(body))).toBe(true);
  });

  it('fire_webhook sends SYNC_UPDATES_AVAILABLE, and refuses Items without the product or a webhook', async () => {
    const { access_token } = await itemWithWebhook('/hooks/b');
    const fired = await plaid.sandboxItemFireWebhook({ access_token, webhook_code: 'SYNC_UPDATES_AVAILABLE' as never });
    expect(fired.data.webhook_fired).toBe(true);
    const hook = await receiver.next();
    if (validateResponses) specValidator().assertSchema('SyncUpdatesAvailableWebhook', JSON.parse(hook.body));
    expect(await verify(hook.body, hook.jwt!)).toBe(true);

    const authOnly = await itemWithWebhook('/hooks/c', ['auth']);
    expect(
      (await plaidErrorOf(plaid.sandboxItemFireWebhook({ access_token: authOnly.access_token, webhook_code: 'DEFAULT_UPDATE' as never })))
        .code,
    ).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const bare = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    expect(
      (
        await plaidErrorOf(
          plaid.sandboxItemFireWebhook({ access_token: bare.access_token, webhook_code: 'SYNC_UPDATES_AVAILABLE' as never }),
        )
      ).code,
    ).toBe('SANDBOX_WEBHOOK_INVALID');
  });

  it('/item/webhook/update sets the URL and sends WEBHOOK_UPDATE_ACKNOWLEDGED there', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const { access_token } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    const updated = await plaid.itemWebhookUpdate({ access_token, webhook: `${receiver.url}/hooks/new` });
    expect(updated.data.item.webhook).toBe(`${receiver.url}/hooks/new`);
    const hook = await receiver.next();
    expect(hook.path).toBe('/hooks/new');
    if (validateResponses) specValidator().assertSchema('WebhookUpdateAcknowledgedWebhook', JSON.parse(hook.body));
  });

  it('the dynamic user sends SYNC_UPDATES_AVAILABLE on refresh once sync has been used', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: ['transactions' as never],
      options: { webhook: `${receiver.url}/hooks/d`, override_username: 'user_transactions_dynamic' },
    });
    const { access_token } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    await plaid.transactionsSync({ access_token });
    await plaid.transactionsRefresh({ access_token });
    const hook = await receiver.next();
    expect(JSON.parse(hook.body)).toMatchObject({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
  });

  it('webhookBaseOverride redirects deliveries to a local receiver, keeping the path', async () => {
    const redirected = await startSandbox({ webhookBaseOverride: receiver.url });
    try {
      const api = plaidClient(redirected);
      const pt = await api.sandboxPublicTokenCreate({
        institution_id: 'ins_109508',
        initial_products: ['transactions' as never],
        options: { webhook: 'https://app.example.com/api/plaid/webhook?x=1' },
      });
      const { item_id } = (await api.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
      const delivery = await redirected.state.fireWebhook(item_id, {
        webhook_type: 'ITEM',
        webhook_code: 'NEW_ACCOUNTS_AVAILABLE',
        error: null,
      });
      expect(delivery.status).toBe(200);
      expect((await receiver.next()).path).toBe('/api/plaid/webhook?x=1');
    } finally {
      await redirected.close();
    }
  });
});
