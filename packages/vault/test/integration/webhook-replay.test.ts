/**
 * Issue 11, item 3: a replay is the same signed JWT, not the same body.
 * Plaid's second identical event (signed anew) is acted on; a captured JWT
 * posted again, in any spelling that still verifies, is not. Real deliveries
 * from plaid-sandbox to the vault's HTTP route over a socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, startHttpServer, type HttpServerHandle } from '../../src/http/index.js';
import type { Vault } from '../../src/index.js';
import { createMemoryLogger } from './http-harness.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';
import { webhookBody, webhookRoute } from './webhook-route.js';

const USER = 'user-replay';
/** Order of the P-256 group: (r, s) and (r, n - s) are both valid ECDSA signatures. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

let env: PlaidEnv;
let vault: Vault;
let server: HttpServerHandle;
let itemId: string;
let failNextHook = false;

beforeAll(async () => {
  const late: { app?: ReturnType<typeof createHttpApp> } = {};
  server = await startHttpServer({ app: { fetch: (req) => late.app!.fetch(req) }, port: 0 });
  env = await startPlaidEnv({ db: 'sqlite', webhookUrl: `${server.url}/webhooks/plaid` });
  vault = await env.vault({
    onWebhook: () => {
      if (failNextHook) {
        failNextHook = false;
        throw new Error('the app hook failed');
      }
    },
  });
  late.app = createHttpApp({ vault, getUserId: () => null, logger: createMemoryLogger() });
  ({ itemId } = await vault.link.sandboxLink({ userId: USER }));
});
afterAll(async () => {
  await env?.close();
  await server?.close();
});

const received = async (code: string) =>
  (await vault.audit.list({ itemId })).filter((e) => e.action === 'webhook.received' && e.purpose === code).map((e) => e.outcome);

/** Other spellings of one signed JWT that still verify: `s` flipped to `n - s`, and spare bits in the last base64url character. */
function respellings(jwt: string): string[] {
  const dot = jwt.lastIndexOf('.');
  const sig = Buffer.from(jwt.slice(dot + 1), 'base64url');
  const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const flipped = Buffer.concat([sig.subarray(0, 32), Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')]);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(jwt.at(-1)!);
  return [`${jwt.slice(0, dot)}.${flipped.toString('base64url')}`, `${jwt.slice(0, -1)}${alphabet[last ^ 1]}`];
}

describe('webhook replay identity', () => {
  it('reset_login -> repair -> reset_login within minutes ends login_required (the second ERROR is not a replay)', async () => {
    for (const step of [env.sb.state.resetLogin, env.sb.state.repairLogin, env.sb.state.resetLogin]) {
      await step(itemId);
      await env.sb.state.flushWebhooks();
    }
    const deliveries = env.sb.state.webhookDeliveries().slice(-3);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(deliveries[0]!.body).toBe(deliveries[2]!.body); // the same bytes, signed twice
    expect(await received('ITEM.ERROR')).toEqual(['status:login_required', 'status:login_required']);
    expect((await vault.items.get({ userId: USER, itemId })).status).toBe('login_required');
    expect(env.sb.state.item(itemId)?.status).toBe('login_required');
  });

  it('a re-signed identical body is processed; the same JWT, however spelled, is refused', async () => {
    const post = webhookRoute(vault);
    const raw = webhookBody({
      webhook_type: 'ITEM',
      webhook_code: 'NEW_ACCOUNTS_AVAILABLE',
      item_id: itemId,
      error: null,
      environment: 'sandbox',
    });
    const jwt = env.sb.signWebhook(raw);
    expect(await post(raw, jwt)).toEqual({ status: 200, json: { accepted: true } });
    expect(await post(raw, jwt)).toEqual({ status: 200, json: { accepted: false } });
    for (const other of respellings(jwt)) {
      expect(other).not.toBe(jwt);
      expect(await post(raw, other)).toEqual({ status: 200, json: { accepted: false } });
    }
    expect(await post(raw, env.sb.signWebhook(raw))).toEqual({ status: 200, json: { accepted: true } });
    expect(await received('ITEM.NEW_ACCOUNTS_AVAILABLE')).toEqual(['new_accounts_available', 'new_accounts_available']);
  });

  it('a JWT whose handling failed is accepted when posted again', async () => {
    const post = webhookRoute(vault);
    const raw = webhookBody({
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      item_id: itemId,
      new_webhook_url: `${server.url}/webhooks/plaid?v=2`,
      error: null,
      environment: 'sandbox',
    });
    const jwt = env.sb.signWebhook(raw);
    failNextHook = true;
    expect((await post(raw, jwt)).status).toBe(500);
    expect(await post(raw, jwt)).toEqual({ status: 200, json: { accepted: true } });
    expect(await post(raw, jwt)).toEqual({ status: 200, json: { accepted: false } });
  });
});
