import { describe, expect, it } from 'vitest';
import { isVaultError } from '../../src/errors.js';
import { createServiceAuth, generateApiKey, hashApiKey } from '../../src/http/service-auth.js';

function request(headers: Record<string, string>): Request {
  return new Request('http://vault.internal/items', { headers });
}

function configError(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isVaultError(err) ? err.code : 'not a VaultError';
  }
  return undefined;
}

describe('service API keys', () => {
  it('generates distinct prefixed keys with 256 random bits', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).toMatch(/^pvk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('stores a hash that does not contain the key', () => {
    const key = generateApiKey();
    for (const algorithm of ['sha256', 'scrypt'] as const) {
      const hash = hashApiKey(key, { algorithm });
      expect(hash.startsWith(`${algorithm}:`)).toBe(true);
      expect(hash).not.toContain(key.slice(4));
    }
    // Salted: the same key hashes differently each time under scrypt.
    expect(hashApiKey(key, { algorithm: 'scrypt' })).not.toBe(hashApiKey(key, { algorithm: 'scrypt' }));
  });
});

describe('createServiceAuth', () => {
  const billingKey = generateApiKey();
  const reportsKey = generateApiKey();
  const auth = createServiceAuth({
    apiKeys: [
      { id: 'billing', hash: hashApiKey(billingKey) },
      { id: 'reports', hash: hashApiKey(reportsKey, { algorithm: 'scrypt' }) },
    ],
  });

  it('trusts the user header only behind a configured key (sha256 and scrypt)', async () => {
    expect(await auth(request({ authorization: `Bearer ${billingKey}`, 'x-plaid-vault-user': 'user-1' }))).toBe('user-1');
    expect(await auth(request({ authorization: `Bearer ${reportsKey}`, 'x-plaid-vault-user': 'user-2' }))).toBe('user-2');
  });

  it.each([
    ['no authorization', { 'x-plaid-vault-user': 'user-1' }],
    ['an unknown key', { authorization: `Bearer ${generateApiKey()}`, 'x-plaid-vault-user': 'user-1' }],
    ['a truncated key', { authorization: `Bearer ${billingKey.slice(0, -1)}`, 'x-plaid-vault-user': 'user-1' }],
    ['the stored hash as the key', { authorization: `Bearer ${hashApiKey(billingKey)}`, 'x-plaid-vault-user': 'user-1' }],
    ['a non-bearer scheme', { authorization: `Basic ${billingKey}`, 'x-plaid-vault-user': 'user-1' }],
    ['a valid key but no user header', { authorization: `Bearer ${billingKey}` }],
    ['a valid key and a user id with spaces', { authorization: `Bearer ${billingKey}`, 'x-plaid-vault-user': 'a b' }],
    ['a valid key and an over-long user id', { authorization: `Bearer ${billingKey}`, 'x-plaid-vault-user': 'u'.repeat(257) }],
  ])('refuses %s', async (_name, headers) => {
    expect(await auth(request(headers))).toBeNull();
  });

  it('reads the user from a custom header name', async () => {
    const custom = createServiceAuth({ apiKeys: [{ id: 'a', hash: hashApiKey(billingKey) }], userHeader: 'X-Acme-User' });
    const headers = { authorization: `Bearer ${billingKey}`, 'x-acme-user': 'acme-42', 'x-plaid-vault-user': 'other' };
    expect(await custom(request(headers))).toBe('acme-42');
  });

  it.each([
    ['no keys', { apiKeys: [] }],
    ['a raw key instead of a hash', { apiKeys: [{ id: 'a', hash: generateApiKey() }] }],
    ['a short sha256 digest', { apiKeys: [{ id: 'a', hash: 'sha256:abcd' }] }],
    [
      'weak scrypt parameters',
      { apiKeys: [{ id: 'a', hash: hashApiKey('x', { algorithm: 'scrypt' }).replace(/^scrypt:\d+/, 'scrypt:2') }] },
    ],
    [
      'a scrypt N that is not a power of two',
      { apiKeys: [{ id: 'a', hash: hashApiKey('x', { algorithm: 'scrypt' }).replace(/^scrypt:\d+/, 'scrypt:3000') }] },
    ],
    ['a key id with spaces', { apiKeys: [{ id: 'a b', hash: hashApiKey('x') }] }],
    ['a bad header name', { apiKeys: [{ id: 'a', hash: hashApiKey('x') }], userHeader: 'x user' }],
  ])('refuses to start with %s (fail closed)', (_name, opts) => {
    expect(configError(() => createServiceAuth(opts))).toBe('ERR_CONFIG_INVALID');
  });

  it('never puts the raw key in the config error', () => {
    const raw = generateApiKey();
    try {
      createServiceAuth({ apiKeys: [{ id: 'pasted', hash: raw }] });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(raw);
    }
  });
});
