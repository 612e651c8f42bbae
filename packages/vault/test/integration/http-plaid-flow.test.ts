/**
 * The whole API over real sockets: plaid-sandbox (through the official SDK),
 * a real vault, the Hono app on a listening server. Link, accounts,
 * transactions with cursor paging, rotation, a signed webhook delivered by the
 * sandbox to the route, update mode, remove. Every response and log line is
 * scanned for every access token the vault held during the run.
 */
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpApp,
  createVaultMetrics,
  instrumentPlaidGateway,
  instrumentRotations,
  startHttpServer,
  type HttpServerHandle,
} from '../../src/http/index.js';
import { createPlaidApi } from '../../src/plaid/client.js';
import { createPlaidGateway } from '../../src/plaid/gateway.js';
import type { Vault } from '../../src/types/vault.js';
import { assertLogClean, createClient, createMemoryLogger, createTestVault, getTestUser, type TestVault } from './http-harness.js';

const A = 'flow-user-a';
const B = 'flow-user-b';
const METRICS_TOKEN = 'flow-metrics-token-0123456789';

let sandbox: Sandbox;
let server: HttpServerHandle;
let tv: TestVault;
let vault: Vault;
let client: ReturnType<typeof createClient>;
const logger = createMemoryLogger();
const metrics = createVaultMetrics();
/** Every access token the vault held during the run, read from the vault itself. */
const heldTokens = new Set<string>();
let itemId: string;

async function recordToken(id: string): Promise<void> {
  await vault.withToken({ userId: A, itemId: id, purpose: 'test.leak-canary' }, (t) => void heldTokens.add(t.reveal()));
}

beforeAll(async () => {
  // The server exists before the app so the sandbox can be told where to deliver webhooks.
  const late: { app?: { fetch(req: Request): Response | Promise<Response> } } = {};
  server = await startHttpServer({ app: { fetch: (req) => late.app!.fetch(req) }, port: 0 });
  sandbox = await startSandbox({ webhookBaseOverride: server.url });
  const api = await createPlaidApi({ env: 'emulator', baseUrl: sandbox.url, clientId: sandbox.clientId, secret: sandbox.secret });
  tv = await createTestVault({
    logger,
    plaid: {
      env: 'emulator',
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      secret: sandbox.secret,
      webhookUrl: 'https://vault.example/webhooks/plaid',
    },
    // How a composition root gets Plaid latency and errors into /metrics.
    plaidGateway: instrumentPlaidGateway(createPlaidGateway({ api }), metrics),
  });
  vault = instrumentRotations(tv.vault, metrics);
  late.app = createHttpApp({
    vault,
    getUserId: getTestUser,
    logger,
    sandboxLinkEnabled: true,
    metrics: { token: METRICS_TOKEN, collector: metrics },
  });
  client = createClient(
    (req) => fetch(req),
    server.url,
    () => [...heldTokens],
  );
});

afterAll(async () => {
  await sandbox?.close();
  await server?.close();
  await tv?.close();
});

describe('link', () => {
  it('creates a link token for the browser', async () => {
    const r = await client.call('POST', '/link/token', { user: A });
    expect(r.status).toBe(200);
    expect(r.json.linkToken).toMatch(/^link-sandbox-/);
    expect(Date.parse(r.json.expiration)).toBeGreaterThan(Date.now());
    expect(Object.keys(r.json).sort()).toEqual(['expiration', 'linkToken']);
  });

  it('connects a sandbox bank and answers with ids only', async () => {
    const r = await client.call('POST', '/link/sandbox', { user: A, body: { institutionId: 'ins_109508' } });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json).sort()).toEqual(['duplicates', 'institutionName', 'itemId']);
    itemId = r.json.itemId;
    await recordToken(itemId);
    expect(heldTokens.size).toBe(1);
    const list = await client.call('GET', '/items', { user: A });
    expect(list.json.items.map((i: { itemId: string }) => i.itemId)).toEqual([itemId]);
  });

  it('exchanges a public token (the real Link path) and refuses a bad one with a Plaid code', async () => {
    const bad = await client.call('POST', '/link/exchange', {
      user: B,
      body: { publicToken: 'public-sandbox-00000000-0000-4000-8000-000000000000' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('ERR_PLAID_INVALID_INPUT');
  });
});

describe('data', () => {
  it('returns allow-listed accounts', async () => {
    const r = await client.call('GET', `/items/${itemId}/accounts`, { user: A });
    expect(r.status).toBe(200);
    expect(r.json.accounts.length).toBeGreaterThan(0);
    for (const a of r.json.accounts) {
      expect(Object.keys(a).sort()).toEqual(['accountId', 'balances', 'mask', 'name', 'officialName', 'subtype', 'type']);
      expect(Object.keys(a.balances).sort()).toEqual(['available', 'current', 'isoCurrencyCode', 'limit']);
    }
  });

  it('reports Plaid reachable in /healthz once calls succeed', async () => {
    const r = await client.call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, database: 'ok', redis: 'disabled', plaid: 'ok' });
  });

  it('pages transactions by cursor', async () => {
    const first = await client.call('GET', `/items/${itemId}/transactions`, { user: A });
    expect(first.status).toBe(200);
    expect(first.json.added.length).toBeGreaterThan(0);
    expect(typeof first.json.nextCursor).toBe('string');
    const again = await client.call('GET', `/items/${itemId}/transactions?cursor=${encodeURIComponent(first.json.nextCursor)}`, {
      user: A,
    });
    expect(again.status).toBe(200);
    expect(again.json.added).toEqual([]);
    // No transaction appears twice in one delta.
    const ids = (d: { added: { transactionId: string }[] }) => d.added.map((t) => t.transactionId).sort();
    expect(new Set(ids(first.json)).size).toBe(first.json.added.length);
  });

  it('answers B with 404 on every one of A’s data routes', async () => {
    for (const [method, path] of [
      ['GET', `/items/${itemId}/accounts`],
      ['GET', `/items/${itemId}/transactions`],
      ['POST', `/items/${itemId}/rotate`],
      ['DELETE', `/items/${itemId}`],
    ] as const) {
      const r = await client.call(method, path, { user: B });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json.code).toBe('ERR_ITEM_NOT_FOUND');
    }
  });
});

describe('Plaid failures', () => {
  it('passes a 4xx Plaid code through (rate limited)', async () => {
    sandbox.faults.failNext('/accounts/get', 429, 3);
    const r = await client.call('GET', `/items/${itemId}/accounts`, { user: A });
    sandbox.faults.clear();
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ code: 'ERR_PLAID_RATE_LIMITED', message: expect.any(String) });
  });

  it('answers a Plaid outage with a generic 5xx body, logged once with its request id', async () => {
    const before = logger.errors().length;
    sandbox.faults.failNext('/accounts/get', 500, 3);
    const r = await client.call('GET', `/items/${itemId}/accounts`, { user: A });
    sandbox.faults.clear();
    expect(r.status).toBe(502);
    expect(r.json).toEqual({ code: 'ERR_INTERNAL', message: 'Internal error.', requestId: r.headers.get('x-request-id') });
    const logged = logger
      .errors()
      .slice(before)
      .filter((e) => e.requestId === r.json.requestId);
    expect(logged).toHaveLength(1);
    expect((logged[0]!.err as { code: string }).code).toBe('ERR_PLAID_API_ERROR');
  });
});

describe('rotate', () => {
  it('rotates the token and the item keeps working', async () => {
    const r = await client.call('POST', `/items/${itemId}/rotate`, { user: A });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ itemId, outcome: 'rotated', tokenVersion: 2 });
    await recordToken(itemId);
    expect(heldTokens.size).toBe(2);
    expect((await client.call('GET', `/items/${itemId}/accounts`, { user: A })).status).toBe(200);
    const m = await client.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(m.text).toMatch(/^plaid_vault_rotations_total\{outcome="rotated"\} 1$/m);
    expect(m.text).toMatch(/^plaid_vault_plaid_request_duration_seconds_count\{operation="invalidateToken"\} 1$/m);
    expect(m.text).toMatch(/^plaid_vault_plaid_request_duration_seconds_count\{operation="getAccounts"\} [1-9]\d*$/m);
    expect(m.text).toMatch(/^plaid_vault_plaid_errors_total\{operation="exchangePublicToken",code="ERR_PLAID_INVALID_INPUT"\} 1$/m);
  });

  it('counts batch rotations (rotateDue) in /metrics too', async () => {
    const report = await vault.items.rotateDue({ olderThan: new Date(Date.now() + 60_000) });
    expect(report.rotated).toBe(1);
    await recordToken(itemId);
    const m = await client.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(m.text).toMatch(/^plaid_vault_rotations_total\{outcome="rotated"\} 2$/m);
  });
});

describe('webhooks', () => {
  it('verifies a signed webhook the sandbox delivers to the route (raw bytes) and acts on it', async () => {
    const delivery = await sandbox.state.resetLogin(itemId);
    expect(delivery?.status).toBe(200);
    const items = await client.call('GET', '/items', { user: A });
    expect(items.json.items[0].status).toBe('login_required');
  });

  it('refuses unsigned, forged and altered webhooks with stable codes', async () => {
    const body = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: itemId, environment: 'sandbox' }, null, 2);
    const post = (headers: Record<string, string>, raw = body) => client.call('POST', '/webhooks/plaid', { body: raw, headers });
    expect((await post({})).json.code).toBe('ERR_WEBHOOK_SIGNATURE_MISSING');
    const forged = await post({ 'plaid-verification': sandbox.signWebhook(body, { foreignKey: true }) });
    expect(forged.status).toBe(401);
    expect(forged.json.code).toMatch(/^ERR_WEBHOOK_(KEY_UNKNOWN|SIGNATURE_INVALID)$/);
    // One byte of whitespace changed: re-serialising JSON instead of passing raw bytes would hide this.
    const altered = await post({ 'plaid-verification': sandbox.signWebhook(body) }, body.replace('\n', '\n '));
    expect(altered.json.code).toBe('ERR_WEBHOOK_BODY_MISMATCH');
    const items = await client.call('GET', '/items', { user: A });
    expect(items.json.items[0].status).toBe('login_required');
  });

  it('answers a verified duplicate with 200 and acts on it once', async () => {
    const body = JSON.stringify(
      { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: itemId, environment: 'sandbox' },
      null,
      2,
    );
    const headers = { 'plaid-verification': sandbox.signWebhook(body) };
    const first = await client.call('POST', '/webhooks/plaid', { body, headers });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ accepted: true });
    const again = await client.call('POST', '/webhooks/plaid', { body, headers });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ accepted: false });
    const received = (await vault.audit.list({ itemId })).filter(
      (e) => e.action === 'webhook.received' && e.purpose === 'ITEM.NEW_ACCOUNTS_AVAILABLE',
    );
    expect(received).toHaveLength(1);
  });

  it('creates an update-mode link token for the login_required item', async () => {
    const r = await client.call('POST', '/link/token', { user: A, body: { itemId } });
    expect(r.status).toBe(200);
    expect(r.json.linkToken).toMatch(/^link-sandbox-/);
  });
});

describe('remove', () => {
  it('removes at Plaid and locally, then the item is gone for its owner too', async () => {
    const r = await client.call('DELETE', `/items/${itemId}`, { user: A });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(sandbox.state.item(itemId)?.status).toBe('removed');
    expect((await client.call('GET', '/items', { user: A })).json.items).toEqual([]);
    expect((await client.call('GET', `/items/${itemId}/accounts`, { user: A })).json.code).toBe('ERR_ITEM_NOT_FOUND');
  });
});

describe('leak canary', () => {
  it('no response and no log line held any access token of the run', async () => {
    // The client already refused any response with one; this proves it looked.
    expect(heldTokens.size).toBe(3);
    expect(client.calls()).toBeGreaterThan(15);
    assertLogClean(logger.lines, [...heldTokens]);
  });
});
