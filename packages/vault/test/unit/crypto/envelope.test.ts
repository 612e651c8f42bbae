import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { envelopeKid, open, rewrap, seal, type SealRef } from '../../../src/crypto/envelope.js';
import { parseKeyring, type Keyring } from '../../../src/crypto/keyring.js';
import { codeOf } from './code-of.js';

const entry = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
const oldEntry = entry('old');
const newEntry = entry('new');
const oldOnly = parseKeyring(oldEntry);
const newOld = parseKeyring(`${newEntry},${oldEntry}`);
const newOnly = parseKeyring(newEntry);
const stranger = parseKeyring(`old:${randomBytes(32).toString('base64')}`);

const ref: SealRef = { itemId: 'item-abc', userId: 'user-123' };
const TOKEN = 'access-sandbox-8ab976e8-8a2c-4e1b-b1b2-4c5d6e7f8a9b';

describe('seal and open', () => {
  it.each([
    ['a Plaid token', TOKEN],
    ['an empty string', ''],
    ['multi-byte text', 'jeton-ü-€-😀'],
    ['a long value', 'x'.repeat(10_000)],
  ])('round-trips %s', (_name, plaintext) => {
    expect(open(oldOnly, ref, seal(oldOnly, ref, plaintext)).reveal()).toBe(plaintext);
  });

  it('hides the token and uses fresh randomness each time', () => {
    const a = seal(oldOnly, ref, TOKEN);
    const b = seal(oldOnly, ref, TOKEN);
    expect(a.equals(b)).toBe(false);
    for (const envelope of [a, b]) {
      expect(envelope.includes(Buffer.from(TOKEN))).toBe(false);
      expect(envelope.includes(Buffer.from(TOKEN.slice(15)))).toBe(false);
    }
  });

  it('records the active kid', () => {
    expect(envelopeKid(seal(newOld, ref, TOKEN))).toBe('new');
    expect(envelopeKid(seal(oldOnly, ref, TOKEN))).toBe('old');
  });
});

describe('binding to the row', () => {
  const envelope = seal(oldOnly, ref, TOKEN);
  it.each<[string, SealRef]>([
    ['another item', { itemId: 'item-abd', userId: ref.userId }],
    ['another user', { itemId: ref.itemId, userId: 'user-124' }],
    ['ids swapped', { itemId: ref.userId, userId: ref.itemId }],
    ['the boundary moved between ids', { itemId: 'item-abcu', userId: 'ser-123' }],
    ['empty ids', { itemId: '', userId: '' }],
  ])('fails for %s with ERR_CRYPTO_DECRYPT_FAILED', (_name, other) => {
    expect(codeOf(() => open(oldOnly, other, envelope))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('fails under a different key with the same kid', () => {
    expect(codeOf(() => open(stranger, ref, envelope))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });
});

describe('damage', () => {
  const envelope = seal(newOld, ref, TOKEN);

  it('any single flipped byte, at every position, gives ERR_CRYPTO_DECRYPT_FAILED', () => {
    const failures: string[] = [];
    for (let position = 0; position < envelope.length; position++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(envelope);
        damaged[position]! ^= mask;
        const code = codeOf(() => open(newOld, ref, damaged));
        if (code !== 'ERR_CRYPTO_DECRYPT_FAILED') failures.push(`byte ${position} ^ ${mask}: ${code}`);
      }
    }
    expect(failures).toEqual([]);
    expect(open(newOld, ref, envelope).reveal()).toBe(TOKEN);
  });

  it('a flipped byte never passes for a valid envelope in envelopeKid or rewrap either', () => {
    const failures: string[] = [];
    for (let position = 0; position < envelope.length; position++) {
      const damaged = Buffer.from(envelope);
      damaged[position]! ^= 0x01;
      for (const [name, fn] of [
        ['envelopeKid', () => envelopeKid(damaged)],
        ['rewrap', () => rewrap(newOld, ref, damaged)],
      ] as const) {
        const code = codeOf(fn);
        if (code !== 'ERR_CRYPTO_DECRYPT_FAILED') failures.push(`${name} byte ${position}: ${code}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it.each<[string, () => Buffer]>([
    ['an empty buffer', () => Buffer.alloc(0)],
    ['one byte', () => Buffer.from([1])],
    ['a truncated envelope', () => envelope.subarray(0, envelope.length - 1)],
    ['a truncated envelope with a fresh check', () => withCheck(envelope.subarray(0, envelope.length - 5))],
    ['an extended envelope', () => Buffer.concat([envelope, Buffer.from([0])])],
    ['an unknown version with a valid check', () => withCheck(patch(envelope, 0, 2))],
    ['a kid length past the end, valid check', () => withCheck(patch(envelope, 1, 250))],
    ['a zero kid length, valid check', () => withCheck(patch(envelope, 1, 0))],
    ['random bytes', () => randomBytes(envelope.length)],
    ['a string instead of a Buffer', () => envelope.toString('base64') as unknown as Buffer],
  ])('%s gives ERR_CRYPTO_DECRYPT_FAILED', (_name, make) => {
    expect(codeOf(() => open(newOld, ref, make()))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('fails with a fixed message, no cause and nothing from the envelope', () => {
    const damaged = patch(envelope, envelope.length - 30, envelope[envelope.length - 30]! ^ 1);
    const messages = new Set<string>();
    for (const bad of [damaged, Buffer.alloc(3), withCheck(patch(envelope, 40, 0))]) {
      try {
        open(newOld, ref, bad);
        expect.unreachable('must not open');
      } catch (error) {
        const e = error as Error & { cause?: unknown; details?: unknown };
        expect(e.cause).toBeUndefined();
        expect(e.details).toBeUndefined();
        messages.add(e.message);
      }
    }
    expect(messages.size).toBe(1);
  });
});

describe('key rotation', () => {
  const underOld = seal(oldOnly, ref, TOKEN);

  it('a new,old keyring opens rows sealed under old and seals under new', () => {
    expect(open(newOld, ref, underOld).reveal()).toBe(TOKEN);
    const fresh = seal(newOld, ref, TOKEN);
    expect(envelopeKid(fresh)).toBe('new');
    expect(open(newOnly, ref, fresh).reveal()).toBe(TOKEN);
  });

  it('a removed kid gives ERR_CRYPTO_KEY_UNKNOWN', () => {
    expect(codeOf(() => open(newOnly, ref, underOld))).toBe('ERR_CRYPTO_KEY_UNKNOWN');
    expect(codeOf(() => rewrap(newOnly, ref, underOld))).toBe('ERR_CRYPTO_KEY_UNKNOWN');
  });

  it('an intact envelope naming a kid outside the keyring is ERR_CRYPTO_KEY_UNKNOWN, not a decrypt failure', () => {
    // Same length kid ("old" -> "olx"), check recomputed: intact, but no such key.
    const renamed = withCheck(patch(underOld, 4, 'x'.charCodeAt(0)));
    expect(envelopeKid(renamed)).toBe('olx');
    expect(codeOf(() => open(newOld, ref, renamed))).toBe('ERR_CRYPTO_KEY_UNKNOWN');
    // ...and when the kid is known, the AAD (which binds the kid) still refuses a relabelled envelope.
    expect(codeOf(() => open(parseKeyring(`olx:${oldEntry.split(':')[1]}`), ref, renamed))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('rewrap moves the DEK to the active kid and keeps the token ciphertext', () => {
    const moved = rewrap(newOld, ref, underOld);
    expect(envelopeKid(moved)).toBe('new');
    expect(open(newOnly, ref, moved).reveal()).toBe(TOKEN);
    expect(codeOf(() => open(oldOnly, ref, moved))).toBe('ERR_CRYPTO_KEY_UNKNOWN');
    // Token IV + ciphertext + tag sit just before the 4 check bytes, unchanged.
    const tokenPart = (envelope: Buffer) => envelope.subarray(envelope.length - 4 - 16 - TOKEN.length - 12, envelope.length - 4);
    expect(tokenPart(moved).equals(tokenPart(underOld))).toBe(true);
    expect(moved.subarray(0, 40).equals(underOld.subarray(0, 40))).toBe(false);
  });

  it('rewrap stays bound to the row', () => {
    expect(codeOf(() => rewrap(newOld, { ...ref, userId: 'someone-else' }, underOld))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    const moved = rewrap(newOld, ref, underOld);
    expect(codeOf(() => open(newOld, { ...ref, itemId: 'other' }, moved))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('a rewrapped envelope opens to the same token, for every kind of token', () => {
    for (const plaintext of [TOKEN, '', 'jeton-ü-€-😀', 'x'.repeat(10_000)]) {
      const moved = rewrap(newOld, ref, seal(oldOnly, ref, plaintext));
      expect(open(newOnly, ref, moved).reveal()).toBe(plaintext);
      expect(open(newOnly, ref, rewrap(newOnly, ref, moved)).reveal()).toBe(plaintext);
    }
  });

  // rewrap does not decrypt the token layer: a forged token layer (check bytes
  // recomputed, so only the GCM tag can tell) passes through, and still fails to open.
  const tokenStart = underOld.length - 4 - 16 - TOKEN.length - 12;
  it.each<[string, number]>([
    ['token IV', tokenStart],
    ['token ciphertext', tokenStart + 12 + 5],
    ['token tag', underOld.length - 4 - 1],
  ])('a forged %s survives rewrap byte for byte and still fails to open', (_name, position) => {
    const forged = withCheck(patch(underOld, position, underOld[position]! ^ 0x01));
    const moved = rewrap(newOld, ref, forged);
    expect(envelopeKid(moved)).toBe('new');
    expect(moved.subarray(-4 - 16 - TOKEN.length - 12, -4).equals(forged.subarray(tokenStart, -4))).toBe(true);
    expect(codeOf(() => open(newOnly, ref, moved))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => open(newOld, ref, forged))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('rewrap under the same active kid still opens', () => {
    expect(open(oldOnly, ref, rewrap(oldOnly, ref, underOld)).reveal()).toBe(TOKEN);
  });
});

describe('keyrings from elsewhere', () => {
  it('refuses an object that merely looks like a keyring', () => {
    const fake: Keyring = { activeKid: 'old', kids: ['old'], has: () => true };
    expect(codeOf(() => seal(fake, ref, TOKEN))).toBe('ERR_CONFIG_INVALID');
  });
});

function patch(envelope: Buffer, position: number, value: number): Buffer {
  const copy = Buffer.from(envelope);
  copy[position] = value;
  return copy;
}

/** Recompute the trailing check so a test reaches the checks behind it. */
function withCheck(envelope: Buffer): Buffer {
  const body = envelope.subarray(0, Math.max(0, envelope.length - 4));
  const check = Buffer.alloc(4);
  check.writeUInt32BE(crc32(body));
  return Buffer.concat([body, check]);
}
