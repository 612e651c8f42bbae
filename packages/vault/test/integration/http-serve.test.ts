/**
 * The standalone server (`plaid-vault serve`): the Hono app on a real
 * listening socket, authenticated with hashed service API keys and a trusted
 * user header, called with fetch like a backend in another language would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpApp,
  createServiceAuth,
  generateApiKey,
  hashApiKey,
  startHttpServer,
  type HttpServerHandle,
} from '../../src/http/index.js';
import { fakeAccessToken } from '../helpers/services.js';
import { assertLogClean, assertNoSecrets, createMemoryLogger, createTestVault, type TestVault } from './http-harness.js';

let tv: TestVault;
let server: HttpServerHandle;
const logger = createMemoryLogger();
const apiKey = generateApiKey();
const tokens = [fakeAccessToken(), fakeAccessToken()];

async function call(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  const res = await fetch(server.url + path, { ...init, headers });
  const text = await res.text();
  assertNoSecrets(path, text, res.headers, [...tokens, apiKey]);
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  tv = await createTestVault();
  await tv.vault.items.put({ userId: 'svc-user-1', itemId: 'svc-item-1', accessToken: tokens[0]! });
  await tv.vault.items.put({ userId: 'svc-user-2', itemId: 'svc-item-2', accessToken: tokens[1]! });
  const getUserId = createServiceAuth({
    apiKeys: [
      { id: 'other', hash: hashApiKey(generateApiKey()) },
      { id: 'billing', hash: hashApiKey(apiKey) },
    ],
  });
  server = await startHttpServer({ app: createHttpApp({ vault: tv.vault, getUserId, logger }), port: 0 });
});

afterAll(async () => {
  await server?.close();
  await tv?.close();
});

describe('serve over a real socket', () => {
  it('listens on the port it was given (0 = any free port)', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url.endsWith(':0')).toBe(false);
  });

  it('answers the key holder as the user named in the trusted header', async () => {
    const auth = { authorization: `Bearer ${apiKey}` };
    const one = await call('/items', { ...auth, 'x-plaid-vault-user': 'svc-user-1' });
    expect(one.status).toBe(200);
    expect(one.json.items.map((i: { itemId: string }) => i.itemId)).toEqual(['svc-item-1']);
    const two = await call('/items', { ...auth, 'x-plaid-vault-user': 'svc-user-2' });
    expect(two.json.items.map((i: { itemId: string }) => i.itemId)).toEqual(['svc-item-2']);
    expect(one.headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    ['the user header alone', { 'x-plaid-vault-user': 'svc-user-1' }],
    ['a wrong key', { authorization: `Bearer ${generateApiKey()}`, 'x-plaid-vault-user': 'svc-user-1' }],
    ['the key without a user', { authorization: `Bearer ${apiKey}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    const r = await call('/items', headers);
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('ERR_AUTH_REQUIRED');
  });

  it('keeps ownership: user 2 cannot delete user 1’s item through the same key', async () => {
    const r = await call(
      '/items/svc-item-1',
      { authorization: `Bearer ${apiKey}`, 'x-plaid-vault-user': 'svc-user-2' },
      { method: 'DELETE' },
    );
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('ERR_ITEM_NOT_FOUND');
    expect((await tv.vault.items.list('svc-user-1')).length).toBe(1);
  });

  it('serves /healthz without a key', async () => {
    const r = await call('/healthz', {});
    expect(r.status).toBe(200);
    expect(r.json.database).toBe('ok');
  });

  it('closes: no new connections after close()', async () => {
    const other = await startHttpServer({ app: createHttpApp({ vault: tv.vault, getUserId: () => null, logger }), port: 0 });
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
  });

  it('logged no token or key', () => {
    assertLogClean(logger.lines, [...tokens, apiKey]);
  });
});
