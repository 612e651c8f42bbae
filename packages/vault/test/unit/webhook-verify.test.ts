/**
 * Webhook verification without a network: a local ES256 key stands in for
 * Plaid's key endpoint; the clock is injected. Each rejection has its own code.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { importJWK, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { isVaultError, WebhookKeyUnknownError } from '../../src/errors.js';
import type { WebhookKeyCache } from '../../src/webhooks/key-cache.js';
import { verificationHeader, verifyWebhook } from '../../src/webhooks/verify.js';

const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const plaidKey = pair();
const foreignKey = pair();
const KID = 'kid-plaid-1';
const NOW = new Date('2026-11-29T12:00:00Z');
const nowSec = Math.floor(NOW.getTime() / 1000);
const clock = { now: () => NOW };
const BODY = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'i1' }, null, 2));

async function importPublic(k: ReturnType<typeof pair>): Promise<CryptoKey> {
  const jwk = k.publicKey.export({ format: 'jwk' });
  return (await importJWK({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, 'ES256')) as CryptoKey;
}

function keyCache(expiredAt: number | null = null): WebhookKeyCache & { fetches: number } {
  const cache = {
    fetches: 0,
    async get(kid: string) {
      cache.fetches++;
      if (kid !== KID) throw new WebhookKeyUnknownError();
      return { key: await importPublic(plaidKey), expiredAt };
    },
  };
  return cache;
}

interface Forge {
  alg?: string;
  kid?: string;
  iat?: number;
  body?: Buffer;
  key?: ReturnType<typeof pair> | 'hmac';
  hash?: string;
}

function jwt(f: Forge = {}): string {
  const header = b64(JSON.stringify({ alg: f.alg ?? 'ES256', kid: f.kid ?? KID, typ: 'JWT' }));
  const payload = b64(
    JSON.stringify({
      iat: f.iat ?? nowSec,
      request_body_sha256:
        f.hash ??
        createHash('sha256')
          .update(f.body ?? BODY)
          .digest('hex'),
    }),
  );
  const input = `${header}.${payload}`;
  if (f.alg === 'none') return `${input}.`;
  if (f.key === 'hmac')
    return `${input}.${b64(
      createHash('sha256')
        .update('secret' + input)
        .digest(),
    )}`;
  const signature = sign('sha256', Buffer.from(input), { key: (f.key ?? plaidKey).privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64(signature)}`;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isVaultError(err) ? err.code : err === undefined ? undefined : String(err);
}

describe('verifyWebhook', () => {
  it('accepts a valid webhook and returns the body hash', async () => {
    const sha = await verifyWebhook(BODY, jwt(), keyCache(), clock);
    expect(sha).toBe(createHash('sha256').update(BODY).digest('hex'));
  });

  it.each<[string, () => string, Buffer, string]>([
    ['missing header', () => '', BODY, 'ERR_WEBHOOK_SIGNATURE_MISSING'],
    ['garbage header', () => 'not-a-jwt', BODY, 'ERR_WEBHOOK_SIGNATURE_INVALID'],
    [
      'forged signature',
      () => {
        const t = jwt();
        return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      },
      BODY,
      'ERR_WEBHOOK_SIGNATURE_INVALID',
    ],
    ["signed by another key under Plaid's kid", () => jwt({ key: foreignKey }), BODY, 'ERR_WEBHOOK_SIGNATURE_INVALID'],
    ['signed by another key under its own kid', () => jwt({ key: foreignKey, kid: 'attacker-kid' }), BODY, 'ERR_WEBHOOK_KEY_UNKNOWN'],
    ['alg none', () => jwt({ alg: 'none' }), BODY, 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
    ['alg HS256', () => jwt({ alg: 'HS256', key: 'hmac' }), BODY, 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
    ['alg ES384', () => jwt({ alg: 'ES384' }), BODY, 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
    ['iat 5 min + 1 s ago', () => jwt({ iat: nowSec - 301 }), BODY, 'ERR_WEBHOOK_EXPIRED'],
    ['iat in the future', () => jwt({ iat: nowSec + 3600 }), BODY, 'ERR_WEBHOOK_EXPIRED'],
    ['body changed by one byte', () => jwt(), Buffer.concat([BODY.subarray(0, -1), Buffer.from(' ')]), 'ERR_WEBHOOK_BODY_MISMATCH'],
    ['body re-serialised (whitespace)', () => jwt(), Buffer.from(JSON.stringify(JSON.parse(BODY.toString()))), 'ERR_WEBHOOK_BODY_MISMATCH'],
    ['claimed hash not hex', () => jwt({ hash: 'zz' }), BODY, 'ERR_WEBHOOK_BODY_MISMATCH'],
  ])('rejects %s', async (_name, header, body, code) => {
    expect(await codeOf(verifyWebhook(body, header() || undefined, keyCache(), clock))).toBe(code);
  });

  it('accepts iat exactly 5 minutes old', async () => {
    await expect(verifyWebhook(BODY, jwt({ iat: nowSec - 300 }), keyCache(), clock)).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it('never fetches a key for a token with a forbidden alg', async () => {
    const keys = keyCache();
    await codeOf(verifyWebhook(BODY, jwt({ alg: 'none' }), keys, clock));
    await codeOf(verifyWebhook(BODY, jwt({ alg: 'HS256', key: 'hmac' }), keys, clock));
    expect(keys.fetches).toBe(0);
  });

  it('refuses a webhook signed after its key expired', async () => {
    expect(await codeOf(verifyWebhook(BODY, jwt(), keyCache(nowSec - 10), clock))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    await expect(verifyWebhook(BODY, jwt({ iat: nowSec - 20 }), keyCache(nowSec - 10), clock)).resolves.toBeTypeOf('string');
  });

  it('finds the header in Headers and plain objects, any case', () => {
    expect(verificationHeader(new Headers({ 'Plaid-Verification': 'x' }))).toBe('x');
    expect(verificationHeader({ 'PLAID-VERIFICATION': ['y', 'z'] })).toBe('y');
    expect(verificationHeader({ other: 'a' })).toBeUndefined();
  });
});
