/**
 * Webhook verification without a network: a local ES256 key stands in for
 * Plaid's key endpoint; the clock is injected. Each rejection has its own code.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { importJWK, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { isVaultError, WebhookKeyUnknownError } from '../../src/errors.js';
import type { WebhookKeyCache } from '../../src/webhooks/key-cache.js';
import { replayIdOf } from '../../src/webhooks/replay-id.js';
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
  it('accepts a valid webhook and returns the body hash and the JWT identity', async () => {
    const header = jwt();
    const verified = await verifyWebhook(BODY, header, keyCache(), clock);
    expect(verified).toEqual({ bodySha256: createHash('sha256').update(BODY).digest('hex'), replayId: replayIdOf(header) });
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
    await expect(verifyWebhook(BODY, jwt({ iat: nowSec - 300 }), keyCache(), clock)).resolves.toMatchObject({ replayId: /^[0-9a-f]{64}$/ });
  });

  it("accepts iat up to 1 minute ahead (Plaid's clock a little ahead of ours)", async () => {
    for (const ahead of [1, 30, 60])
      await expect(verifyWebhook(BODY, jwt({ iat: nowSec + ahead }), keyCache(), clock)).resolves.toBeTruthy();
    expect(await codeOf(verifyWebhook(BODY, jwt({ iat: nowSec + 61 }), keyCache(), clock))).toBe('ERR_WEBHOOK_EXPIRED');
  });

  it('says "from the future", not "too old", for an iat ahead of the clock (same code: outside the window)', async () => {
    const future = await verifyWebhook(BODY, jwt({ iat: nowSec + 3600 }), keyCache(), clock).catch((e: unknown) => e);
    const old = await verifyWebhook(BODY, jwt({ iat: nowSec - 3600 }), keyCache(), clock).catch((e: unknown) => e);
    expect(future).toMatchObject({ code: 'ERR_WEBHOOK_EXPIRED', details: { reason: 'future' } });
    expect(old).toMatchObject({ code: 'ERR_WEBHOOK_EXPIRED', details: { reason: 'too_old' } });
    expect((future as Error).message).toMatch(/future/);
    expect((future as Error).message).not.toMatch(/old/);
  });

  it('never fetches a key for a token with a forbidden alg, a stale or future iat, or the hash of another body', async () => {
    const keys = keyCache();
    await codeOf(verifyWebhook(BODY, jwt({ alg: 'none' }), keys, clock));
    await codeOf(verifyWebhook(BODY, jwt({ alg: 'HS256', key: 'hmac' }), keys, clock));
    await codeOf(verifyWebhook(BODY, jwt({ iat: nowSec - 301, key: foreignKey, kid: 'random-1' }), keys, clock));
    await codeOf(verifyWebhook(BODY, jwt({ iat: nowSec + 61, key: foreignKey, kid: 'random-2' }), keys, clock));
    await codeOf(verifyWebhook(BODY, jwt({ hash: 'ab'.repeat(32), key: foreignKey, kid: 'random-3' }), keys, clock));
    expect(keys.fetches).toBe(0);
  });

  it('refuses a webhook signed after its key expired', async () => {
    expect(await codeOf(verifyWebhook(BODY, jwt(), keyCache(nowSec - 10), clock))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    await expect(verifyWebhook(BODY, jwt({ iat: nowSec - 20 }), keyCache(nowSec - 10), clock)).resolves.toBeTruthy();
  });

  it('finds the header in Headers and plain objects, any case', () => {
    expect(verificationHeader(new Headers({ 'Plaid-Verification': 'x' }))).toBe('x');
    expect(verificationHeader({ 'PLAID-VERIFICATION': ['y', 'z'] })).toBe('y');
    expect(verificationHeader({ other: 'a' })).toBeUndefined();
  });
});

describe('replayIdOf', () => {
  const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

  it('gives every spelling of one signed JWT the same identity, and a re-signing another', async () => {
    const header = jwt();
    const dot = header.lastIndexOf('.');
    const sig = Buffer.from(header.slice(dot + 1), 'base64url');
    const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
    const flipped = `${header.slice(0, dot)}.${Buffer.concat([sig.subarray(0, 32), Buffer.from((ORDER - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
    // Both spellings verify (WebCrypto does not insist on low s), so both must map to one identity.
    await expect(verifyWebhook(BODY, flipped, keyCache(), clock)).resolves.toMatchObject({ replayId: replayIdOf(header) });
    expect(replayIdOf(flipped)).toBe(replayIdOf(header));
    expect(replayIdOf(jwt())).not.toBe(replayIdOf(header)); // same body, same second, signed again
  });
});
