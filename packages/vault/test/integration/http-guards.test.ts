/**
 * The HTTP API's edges on a real vault: auth, Origin/CSRF, content type, body
 * size, validation, unknown routes, 5xx handling, the headers every response
 * carries, /healthz and /metrics.
 */
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError, isVaultError } from '../../src/errors.js';
import { createHttpApp } from '../../src/http/index.js';
import { TEST_REDIS_URL, fakeAccessToken, requireService, testNamespace } from '../helpers/services.js';
import { createClient, createMemoryLogger, createTestVault, getTestUser, type TestVault } from './http-harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const BASE = 'http://vault.test';
const redisOk = await requireService('redis', 'http /healthz with Redis');

let tv: TestVault;
const logger = createMemoryLogger();
let client: ReturnType<typeof createClient>;
const itemId = 'item-guards-1';

beforeAll(async () => {
  tv = await createTestVault();
  await tv.vault.items.put({ userId: 'alice', itemId, accessToken: fakeAccessToken(), institutionName: 'First Platypus Bank' });
  const app = createHttpApp({
    vault: tv.vault,
    getUserId: async (req) => {
      // Failure injection at the host's hook: a broken session store.
      if (req.headers.get('x-test-fault') === 'plain') throw new Error(`session store exploded near ${fakeAccessToken()}`);
      if (req.headers.get('x-test-fault') === 'store') throw new StoreUnavailableError();
      return getTestUser(req);
    },
    allowedOrigins: ['https://partner.example'],
    maxBodyBytes: 1024,
    metrics: { token: METRICS_TOKEN },
    logger,
  });
  client = createClient((req) => app.fetch(req), BASE);
});

afterAll(async () => {
  await tv?.close();
});

describe('every response', () => {
  it('carries a request id, no-store and nosniff, on success and on error', async () => {
    for (const [method, path] of [
      ['GET', '/items'],
      ['GET', '/nope'],
      ['POST', '/link/token'],
    ] as const) {
      const r = await client.call(method, path, { user: 'alice', headers: { origin: 'https://evil.example' } });
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('keeps a well-formed caller request id and replaces a malformed one', async () => {
    const kept = await client.call('GET', '/items', { user: 'alice', headers: { 'x-request-id': 'backend-req-12345' } });
    expect(kept.headers.get('x-request-id')).toBe('backend-req-12345');
    const replaced = await client.call('GET', '/items', { user: 'alice', headers: { 'x-request-id': 'bad id\twith tab' } });
    expect(replaced.headers.get('x-request-id')).not.toContain('bad');
  });
});

describe('errors have stable codes', () => {
  it.each([
    ['no session', 'GET', '/items', {}, 401, 'ERR_AUTH_REQUIRED'],
    ['a malformed user id from the hook', 'GET', '/items', { user: 'has space' }, 401, 'ERR_AUTH_REQUIRED'],
    ['an unknown route', 'GET', '/nope', { user: 'alice' }, 404, 'ERR_ROUTE_NOT_FOUND'],
    ['a wrong method', 'PUT', '/items', { user: 'alice' }, 404, 'ERR_ROUTE_NOT_FOUND'],
    ['sandbox link when not enabled', 'POST', '/link/sandbox', { user: 'alice', body: {} }, 404, 'ERR_ROUTE_NOT_FOUND'],
    ['a malformed item id', 'GET', `/items/${'x'.repeat(300)}/accounts`, { user: 'alice' }, 400, 'ERR_INPUT_INVALID'],
    ['a bad cursor', 'GET', `/items/${itemId}/transactions?cursor=a%20b`, { user: 'alice' }, 400, 'ERR_INPUT_INVALID'],
    ['a bad audit limit', 'GET', '/audit?limit=100000', { user: 'alice' }, 400, 'ERR_INPUT_INVALID'],
    ['a body that is not JSON', 'POST', '/link/exchange', { user: 'alice', body: '{"publicToken":' }, 400, 'ERR_INPUT_INVALID'],
    ['a bodyless POST (no content type) missing a field', 'POST', '/link/exchange', { user: 'alice' }, 400, 'ERR_INPUT_INVALID'],
    ['a missing field', 'POST', '/link/exchange', { user: 'alice', body: {} }, 400, 'ERR_INPUT_INVALID'],
    ['an unknown field', 'POST', '/link/token', { user: 'alice', body: { userId: 'bob' } }, 400, 'ERR_INPUT_INVALID'],
    ['a malformed public token', 'POST', '/link/exchange', { user: 'alice', body: { publicToken: 'nope' } }, 400, 'ERR_INPUT_INVALID'],
    [
      'a text/plain body',
      'POST',
      '/link/token',
      { user: 'alice', body: '{}', headers: { 'content-type': 'text/plain' } },
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a non-JSON body on a route whose fields are optional',
      'POST',
      '/link/token',
      { user: 'alice', body: 'x', headers: { 'content-type': 'text/plain' } },
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a form body',
      'POST',
      '/link/exchange',
      { user: 'alice', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a body over the limit', 'POST', '/link/token', { user: 'alice', body: { pad: 'x'.repeat(2000) } }, 413, 'ERR_PAYLOAD_TOO_LARGE'],
    ['a webhook body over the limit', 'POST', '/webhooks/plaid', { body: { pad: 'x'.repeat(2000) } }, 413, 'ERR_PAYLOAD_TOO_LARGE'],
  ] as const)('%s', async (_name, method, path, opts, status, code) => {
    const r = await client.call(method, path, opts);
    expect(r.status).toBe(status);
    expect(r.json.code).toBe(code);
    expect(typeof r.json.message).toBe('string');
    expect(Object.keys(r.json).sort()).toEqual(['code', 'message']);
  });

  it('never echoes an invalid value back', async () => {
    const r = await client.call('POST', '/link/exchange', { user: 'alice', body: { publicToken: 'public-sandbox-<script>' } });
    expect(r.json.code).toBe('ERR_INPUT_INVALID');
    expect(r.text).not.toContain('script');
  });

  it('refuses an undeclared (chunked) body over the limit while streaming', async () => {
    const app = createHttpApp({ vault: tv.vault, getUserId: getTestUser, maxBodyBytes: 1024, logger });
    const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(600)}`);
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Bounded: a reader that ignored the limit would stop here rather than hang.
        if (pulls++ < 100) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const req = new Request(`${BASE}/link/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-session-user': 'alice' },
      body,
      duplex: 'half',
    } as RequestInit);
    const res = await app.fetch(req);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(pulls).toBeLessThan(10);
  });
});

describe('cross-site requests', () => {
  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null (sandboxed frame)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['a same-host Origin on another port', { origin: 'http://vault.test:8080' }],
  ])('refuses a POST with %s', async (_name, headers) => {
    const r = await client.call('POST', '/link/token', { user: 'alice', body: {}, headers });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('ERR_ORIGIN_FORBIDDEN');
  });

  it('refuses a cross-site DELETE before touching the item', async () => {
    const r = await client.call('DELETE', `/items/${itemId}`, { user: 'alice', headers: { origin: 'https://evil.example' } });
    expect(r.json.code).toBe('ERR_ORIGIN_FORBIDDEN');
    expect((await tv.vault.items.list('alice')).map((i) => i.itemId)).toContain(itemId);
  });

  it('lets same-origin, allowed-origin and server-to-server POSTs through to validation', async () => {
    const cases: Record<string, string>[] = [
      { origin: BASE },
      { origin: 'https://partner.example', 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-origin' },
      {},
    ];
    for (const headers of cases) {
      const r = await client.call('POST', '/link/exchange', { user: 'alice', body: {}, headers });
      expect(r.json.code).toBe('ERR_INPUT_INVALID');
    }
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      client.call('OPTIONS', '/link/token', {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const ok = await preflight('https://partner.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('does not apply to GET or to the Plaid webhook', async () => {
    const list = await client.call('GET', '/items', { user: 'alice', headers: { origin: 'https://evil.example' } });
    expect(list.status).toBe(200);
    const hook = await client.call('POST', '/webhooks/plaid', { body: '{}', headers: { origin: 'https://evil.example' } });
    expect(hook.json.code).not.toBe('ERR_ORIGIN_FORBIDDEN');
  });
});

describe('5xx', () => {
  it('logs a non-VaultError once with the request id and answers a generic body', async () => {
    const before = logger.errors().length;
    const r = await client.call('GET', '/items', { headers: { 'x-test-fault': 'plain' } });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ code: 'ERR_INTERNAL', message: 'Internal error.', requestId: r.headers.get('x-request-id') });
    expect(r.text).not.toContain('exploded');
    const logged = logger.errors().slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: r.headers.get('x-request-id'), status: 500, code: 'ERR_INTERNAL' });
    // The log keeps the cause for the operator, with token-shaped strings scrubbed.
    expect(JSON.stringify(logged[0])).toContain('exploded');
    expect(JSON.stringify(logged[0])).not.toContain('access-sandbox-');
  });

  it('keeps a 5xx VaultError status but not its code, which goes to the log line with the request id', async () => {
    const before = logger.errors().length;
    const r = await client.call('GET', '/items', { headers: { 'x-test-fault': 'store' } });
    expect(r.status).toBe(503);
    expect(r.json.code).toBe('ERR_INTERNAL');
    expect(r.json.requestId).toBe(r.headers.get('x-request-id'));
    expect(logger.errors().slice(before)).toEqual([
      expect.objectContaining({ requestId: r.json.requestId, status: 503, code: 'ERR_STORE_UNAVAILABLE' }),
    ]);
  });
});

describe('/healthz', () => {
  it('reports states with no secrets and no session needed', async () => {
    const r = await client.call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, database: 'ok', redis: 'disabled' });
    expect(Object.keys(r.json).sort()).toEqual(['database', 'ok', 'plaid', 'redis']);
  });

  it('answers 503 when the database is gone', async () => {
    const other = await createTestVault();
    const app = createHttpApp({ vault: other.vault, getUserId: getTestUser, logger });
    await other.close(); // real fault: the store is closed and its file deleted
    const res = await app.fetch(new Request(`${BASE}/healthz`));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
  });
});

describe.skipIf(!redisOk)('/healthz with Redis', () => {
  it('reports Redis as ok when the vault has an L2 cache', async () => {
    const other = await createTestVault({ redis: TEST_REDIS_URL, namespace: testNamespace('http') });
    try {
      const app = createHttpApp({ vault: other.vault, getUserId: getTestUser, logger });
      // The client connects in the background; wait for it rather than sleeping.
      await vi.waitFor(
        async () => {
          const body = (await (await app.fetch(new Request(`${BASE}/healthz`))).json()) as { redis: string };
          expect(body.redis).toBe('ok');
        },
        { timeout: 5000, interval: 50 },
      );
    } finally {
      await other.close();
    }
  });
});

describe('/metrics', () => {
  it('is 404 ERR_METRICS_DISABLED without a token configured', async () => {
    const app = createHttpApp({ vault: tv.vault, getUserId: getTestUser, logger });
    const res = await app.fetch(new Request(`${BASE}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_METRICS_DISABLED');
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer metrics-token-0123456789abcdeX' }],
    ['a prefix of the token', { authorization: `Bearer ${METRICS_TOKEN.slice(0, 20)}` }],
    ['the token without the Bearer scheme', { authorization: METRICS_TOKEN }],
    ['the session instead of the token', { 'x-test-session-user': 'alice' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const r = await client.call('GET', '/metrics', { headers });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('ERR_AUTH_REQUIRED');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('serves its own registry with cache and decrypt counters from the vault', async () => {
    await tv.vault.withToken({ userId: 'alice', itemId, purpose: 'metrics.test' }, () => undefined);
    const r = await client.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(r.text).toMatch(/^plaid_vault_cache_hits_total\{tier="l1"\} \d+$/m);
    const decrypts = Number(/^plaid_vault_decrypts_total (\d+)$/m.exec(r.text)?.[1]);
    expect(decrypts).toBeGreaterThanOrEqual(1);
    expect(decrypts).toBe(tv.vault.stats().cache.decrypts);
    expect(r.text).toContain('# TYPE plaid_vault_plaid_request_duration_seconds histogram');
    // A registry of its own: nothing lands in prom-client's global one.
    expect(await register.metrics()).not.toContain('plaid_vault_');
  });
});

describe('configuration fails closed', () => {
  it.each([
    ['a short metrics token', { metrics: { token: 'short' } }],
    ['a metrics token with spaces', { metrics: { token: 'a metrics token with spaces' } }],
    ['an allowed origin that is not a URL', { allowedOrigins: ['partner.example'] }],
    ['a non-http allowed origin', { allowedOrigins: ['file:///etc'] }],
    ['a relative base path', { basePath: 'api' }],
    ['a zero body limit', { maxBodyBytes: 0 }],
  ])('refuses %s', (_name, extra) => {
    let code: string | undefined;
    try {
      createHttpApp({ vault: tv.vault, getUserId: getTestUser, ...extra });
    } catch (err) {
      code = isVaultError(err) ? err.code : 'other';
    }
    expect(code).toBe('ERR_CONFIG_INVALID');
  });
});

describe('basePath', () => {
  it('serves routes under the mount point only', async () => {
    const app = createHttpApp({ vault: tv.vault, getUserId: getTestUser, basePath: '/api/', logger });
    const mounted = createClient((req) => app.fetch(req), BASE);
    const r = await mounted.call('GET', '/api/items', { user: 'alice' });
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: { itemId: string }) => i.itemId)).toEqual([itemId]);
    expect((await mounted.call('GET', '/items', { user: 'alice' })).json.code).toBe('ERR_ROUTE_NOT_FOUND');
    // The webhook exemption follows the mount point.
    const hook = await mounted.call('POST', '/api/webhooks/plaid', { body: '{}', headers: { origin: 'https://evil.example' } });
    expect(hook.json.code).not.toBe('ERR_ORIGIN_FORBIDDEN');
  });
});
