/**
 * Webhooks from plaid-sandbox, verified by the vault: real deliveries over
 * HTTP to a local receiver, the forgery matrix (each rejection its own code),
 * replay, the key cache, and what each webhook does to the item.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault, type WebhookResult } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

let env: PlaidEnv;
let vault: Vault;
let receiver: Server;
const received: { status: number; result?: WebhookResult; code?: string }[] = [];
const hookEvents: { webhookCode: string; action: string }[] = [];
const USER = 'user-webhooks';

beforeAll(async () => {
  // A receiver like an app's route: raw bytes + headers into vault.webhooks.handle.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      vault.webhooks.handle(Buffer.concat(chunks), req.headers).then(
        (result) => (received.push({ status: 200, result }), res.writeHead(200).end('{}')),
        (err: unknown) => {
          const code = isVaultError(err) ? err.code : 'unknown';
          received.push({ status: isVaultError(err) ? err.status : 500, code });
          res.writeHead(isVaultError(err) ? err.status : 500).end();
        },
      );
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  env = await startPlaidEnv({ db: 'sqlite', webhookUrl: `http://127.0.0.1:${port}/plaid/webhook` });
  vault = await env.vault({ onWebhook: (e) => void hookEvents.push({ webhookCode: e.webhookCode, action: e.action }) });
});
afterAll(async () => {
  await env?.close();
  await new Promise((r) => receiver?.close(r));
});

const body = (o: object) => JSON.stringify(o, null, 2);
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isVaultError(err) ? err.code : err === undefined ? undefined : String(err);
}
async function statusOf(itemId: string) {
  return (await vault.items.get({ userId: USER, itemId })).status;
}

describe('webhook verification against plaid-sandbox keys', () => {
  it('accepts a valid webhook once and rejects a replay of its JWT', async () => {
    const raw = body({
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      item_id: 'not-ours',
      environment: 'sandbox',
      nonce: 1,
    });
    const jwt = env.sb.signWebhook(raw);
    const ok = await vault.webhooks.handle(raw, { 'plaid-verification': jwt });
    expect(ok).toMatchObject({ accepted: true, webhookCode: 'WEBHOOK_UPDATE_ACKNOWLEDGED', action: 'unknown_item' });
    expect(await codeOf(vault.webhooks.handle(raw, { 'plaid-verification': jwt }))).toBe('ERR_WEBHOOK_REPLAY');
    // The same body signed again is another sending from Plaid, not a replay (webhook-replay.test.ts).
    await expect(vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).resolves.toMatchObject({ accepted: true });
  });

  it('rejects each forgery with its own code', async () => {
    const raw = body({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: 'x', environment: 'sandbox', nonce: 2 });
    const nowSec = Math.floor(Date.now() / 1000);
    const sig = env.sb.signWebhook(raw);
    const cases: [string, string | undefined, string][] = [
      ['no header', undefined, 'ERR_WEBHOOK_SIGNATURE_MISSING'],
      [
        'forged signature',
        `${sig.slice(0, sig.lastIndexOf('.') + 1)}${Buffer.alloc(64, 7).toString('base64url')}`,
        'ERR_WEBHOOK_SIGNATURE_INVALID',
      ],
      ['other key', env.sb.signWebhook(raw, { foreignKey: true, kid: '6f1c1f7e-0000-4000-8000-000000000000' }), 'ERR_WEBHOOK_KEY_UNKNOWN'],
      ['alg none', env.sb.signWebhook(raw, { alg: 'none' }), 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
      ['HS256', env.sb.signWebhook(raw, { alg: 'HS256' }), 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
      ['expired iat', env.sb.signWebhook(raw, { iat: nowSec - 6 * 60 }), 'ERR_WEBHOOK_EXPIRED'],
      ['body changed by one byte', env.sb.signWebhook(raw.replace('"x"', '"y"')), 'ERR_WEBHOOK_BODY_MISMATCH'],
    ];
    for (const [name, header, code] of cases) {
      expect([name, await codeOf(vault.webhooks.handle(raw, header === undefined ? {} : { 'Plaid-Verification': header }))]).toEqual([
        name,
        code,
      ]);
    }
    // None of the rejected attempts consumed the replay marker: the genuine one still goes through.
    await expect(vault.webhooks.handle(raw, { 'plaid-verification': sig })).resolves.toMatchObject({ accepted: true });
  });

  it('fetches each key once, even for a burst of webhooks', async () => {
    const kid = env.sb.state.rotateWebhookKey();
    const before = env.sb.state.counters['/webhook_verification_key/get'] ?? 0;
    const raws = Array.from({ length: 20 }, (_, i) => body({ webhook_type: 'X', webhook_code: 'Y', item_id: null, nonce: `burst-${i}` }));
    const results = await Promise.all(
      raws.map((raw) => vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw, { kid }) })),
    );
    expect(results.every((r) => r.accepted && r.action === 'ignored')).toBe(true);
    expect((env.sb.state.counters['/webhook_verification_key/get'] ?? 0) - before).toBe(1);
  });
});

describe('webhook dispatch on real deliveries', () => {
  let itemId: string;
  beforeAll(async () => {
    ({ itemId } = await vault.link.sandboxLink({ userId: USER }));
  });

  it('ITEM ERROR ITEM_LOGIN_REQUIRED sets login_required; LOGIN_REPAIRED sets it back', async () => {
    await env.sb.state.resetLogin(itemId);
    await env.sb.state.flushWebhooks();
    expect(received.at(-1)).toMatchObject({ status: 200, result: { webhookCode: 'ERROR', action: 'status:login_required' } });
    expect(await statusOf(itemId)).toBe('login_required');
    await env.sb.state.repairLogin(itemId);
    await env.sb.state.flushWebhooks();
    expect(received.at(-1)).toMatchObject({ status: 200, result: { webhookCode: 'LOGIN_REPAIRED', action: 'status:active' } });
    expect(await statusOf(itemId)).toBe('active');
    expect(hookEvents.map((e) => e.action)).toEqual(expect.arrayContaining(['status:login_required', 'status:active']));
  });

  it('a Plaid call answering ITEM_LOGIN_REQUIRED also sets login_required (no webhook needed)', async () => {
    // An item linked without a webhook URL: resetting its login delivers nothing.
    const quiet = await env.vault({ plaid: { webhookUrl: undefined } });
    const QUIET_USER = 'user-webhooks-quiet'; // another user: a second item at the same bank would replace the first
    const { itemId: quietId } = await quiet.link.sandboxLink({ userId: QUIET_USER });
    const deliveries = env.sb.state.webhookDeliveries().length;
    await env.sb.state.resetLogin(quietId);
    expect(env.sb.state.webhookDeliveries().length).toBe(deliveries);
    expect(await codeOf(quiet.data.accounts({ userId: QUIET_USER, itemId: quietId }))).toBe('ERR_PLAID_ITEM_LOGIN_REQUIRED');
    expect((await quiet.items.get({ userId: QUIET_USER, itemId: quietId })).status).toBe('login_required');
    // Update mode is offered for exactly this item.
    await expect(quiet.link.createLinkToken({ userId: QUIET_USER, itemId: quietId })).resolves.toMatchObject({
      linkToken: expect.stringMatching(/^link-sandbox-/),
    });
  });

  it('SYNC_UPDATES_AVAILABLE marks the item for sync and reaches the app hook', async () => {
    const raw = body({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: itemId,
      initial_update_complete: true,
      historical_update_complete: true,
      environment: 'sandbox',
    });
    const result = await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) });
    expect(result.action).toBe('marked_for_sync');
    expect(hookEvents.at(-1)).toEqual({ webhookCode: 'SYNC_UPDATES_AVAILABLE', action: 'marked_for_sync' });
    const store = createStore({ url: `sqlite:${join(env.dir, 'vault.db')}` });
    try {
      expect((await store.getItem(itemId))?.needsSync).toBe(true);
      await vault.data.transactions({ userId: USER, itemId });
      expect((await store.getItem(itemId))?.needsSync).toBe(false);
    } finally {
      await store.close();
    }
  });

  it.each([
    ['ITEM', 'NEW_ACCOUNTS_AVAILABLE', 'new_accounts_available', 'active'],
    ['ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', 'acknowledged', 'active'],
    ['ITEM', 'PENDING_EXPIRATION', 'status:pending_expiration', 'pending_expiration'],
    ['ITEM', 'LOGIN_REPAIRED', 'status:active', 'active'],
  ])('%s %s -> %s', async (type, code, action, status) => {
    const raw = body({
      webhook_type: type,
      webhook_code: code,
      item_id: itemId,
      error: null,
      environment: 'sandbox',
      consent_expiration_time: '2026-12-31T00:00:00Z',
    });
    expect((await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).action).toBe(action);
    expect(await statusOf(itemId)).toBe(status);
  });

  it('PENDING_DISCONNECT sets pending_expiration; unknown types are accepted and ignored', async () => {
    const raw = body({
      webhook_type: 'ITEM',
      webhook_code: 'PENDING_DISCONNECT',
      item_id: itemId,
      reason: 'INSTITUTION_MIGRATION',
      environment: 'sandbox',
    });
    expect((await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).action).toBe('status:pending_expiration');
    expect(await statusOf(itemId)).toBe('pending_expiration');
    const odd = body({ webhook_type: 'HOLDINGS', webhook_code: 'DEFAULT_UPDATE', item_id: itemId });
    expect(await vault.webhooks.handle(odd, { 'plaid-verification': env.sb.signWebhook(odd) })).toMatchObject({
      accepted: true,
      action: 'ignored',
    });
  });

  it('USER_PERMISSION_REVOKED removes the item at Plaid and purges it locally', async () => {
    const raw = body({
      webhook_type: 'ITEM',
      webhook_code: 'USER_PERMISSION_REVOKED',
      item_id: itemId,
      error: { error_code: 'USER_PERMISSION_REVOKED' },
      environment: 'sandbox',
    });
    expect((await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).action).toBe('removed');
    expect(await vault.items.list(USER)).toEqual([]);
    expect(env.sb.state.item(itemId)?.status).toBe('removed');
    const actions = (await vault.audit.list({ itemId })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook.received', 'item.status', 'item.remove']));
  });
});
