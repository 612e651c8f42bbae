import { randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deriveSubkey, generateKeyEntry, parseKeyring } from '../../../src/crypto/keyring.js';
import { codeOf } from './code-of.js';

const b64 = (bytes: Buffer) => bytes.toString('base64');
const key = () => b64(randomBytes(32));
/** A random key whose base64 has a "+" or "/" (so its base64url form differs). */
function urlUnsafeKey(): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const encoded = key();
    if (/[+/]/.test(encoded)) return encoded;
  }
  throw new Error('no URL-unsafe key in 1000 draws');
}

describe('parseKeyring accepts', () => {
  it.each([
    ['one entry', () => `k1:${key()}`, ['k1']],
    ['two entries, first active', () => `k2:${key()},k1:${key()}`, ['k2', 'k1']],
    ['whitespace and newlines around entries', () => `\n  k2:${key()} ,\n k1:${key()}\n`, ['k2', 'k1']],
    ['kid charset A-Z a-z 0-9 . _ -', () => `Key_2026.11-a:${key()}`, ['Key_2026.11-a']],
    ['a 64-character kid', () => `${'a'.repeat(64)}:${key()}`, ['a'.repeat(64)]],
  ])('%s', (_name, spec, kids) => {
    const keyring = parseKeyring(spec());
    expect(keyring.kids).toEqual(kids);
    expect(keyring.activeKid).toBe(kids[0]);
    for (const kid of kids) expect(keyring.has(kid)).toBe(true);
    expect(keyring.has('nope')).toBe(false);
  });
});

describe('parseKeyring refuses with ERR_CONFIG_INVALID', () => {
  const good = key();
  it.each([
    ['an empty spec', ''],
    ['only separators', ' , \n,'],
    ['an entry without a colon', good],
    ['an empty kid', `:${good}`],
    ['a kid with a slash', `k/1:${good}`],
    ['a kid with a non-ASCII character', `ké:${good}`],
    ['a 65-character kid', `${'a'.repeat(65)}:${good}`],
    ['a duplicate kid', `k1:${good},k1:${key()}`],
    ['an empty key', 'k1:'],
    ['invalid base64 characters', `k1:${good.slice(0, -2)}*=`],
    ['base64url instead of base64', `k1:${urlUnsafeKey().replaceAll('+', '-').replaceAll('/', '_')}`],
    ['base64 with bad padding', `k1:${good.replace('=', '')}`],
    ['a 16-byte key', `k1:${b64(randomBytes(16))}`],
    ['a 31-byte key', `k1:${b64(randomBytes(31))}`],
    ['a 33-byte key', `k1:${b64(randomBytes(33))}`],
    ['a 64-byte key', `k1:${b64(randomBytes(64))}`],
    ['an all-zero key', `k1:${b64(Buffer.alloc(32))}`],
    ['a repeated-byte key', `k1:${b64(Buffer.alloc(32, 0x41))}`],
    ['a bad second entry', `k2:${good},k1:${b64(Buffer.alloc(32, 7))}`],
    ['the same key under two kids', `k2:${good},k1:${good}`],
  ])('%s', (_name, spec) => {
    expect(codeOf(() => parseKeyring(spec))).toBe('ERR_CONFIG_INVALID');
  });

  it('never puts key material in the error message or details', () => {
    const secret = b64(randomBytes(16));
    const error = (() => {
      try {
        parseKeyring(`k1:${secret}`);
      } catch (e) {
        return e as Error & { details?: unknown };
      }
      throw new Error('expected a refusal');
    })();
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.details)).not.toContain(secret);
  });
});

describe('a keyring never prints key bytes', () => {
  const k2 = randomBytes(32);
  const k1 = randomBytes(32);
  const keyring = parseKeyring(`k2:${b64(k2)},k1:${b64(k1)}`);
  const renderings: [string, () => string][] = [
    ['util.inspect', () => inspect(keyring)],
    ['util.inspect showHidden', () => inspect(keyring, { showHidden: true, depth: 10 })],
    ['format %o', () => format('%o', keyring)],
    ['format %O', () => format('%O', keyring)],
    ['format %s', () => format('%s', keyring)],
    ['JSON.stringify', () => JSON.stringify(keyring)],
    ['String', () => String(keyring)],
    ['spread', () => JSON.stringify({ ...keyring })],
    ['own property names', () => Object.getOwnPropertyNames(keyring).join(',')],
  ];
  it.each(renderings)('%s shows kids only', (_name, render) => {
    const text = render();
    for (const bytes of [k1, k2]) {
      for (const encoding of ['base64', 'hex', 'base64url'] as const) expect(text).not.toContain(bytes.toString(encoding));
    }
  });

  it('util.inspect lists the kids', () => {
    expect(inspect(keyring)).toContain("'k2'");
    expect(inspect(keyring)).toContain("'k1'");
  });

  it('is frozen', () => {
    expect(Object.isFrozen(keyring)).toBe(true);
    expect(Object.isFrozen(keyring.kids)).toBe(true);
  });
});

describe('generateKeyEntry', () => {
  it('makes a 32-byte key that parseKeyring accepts, under a dated kid by default', () => {
    const entry = generateKeyEntry();
    const [kid, encoded] = entry.split(':') as [string, string];
    expect(kid).toMatch(/^k\d{8}-[0-9a-f]{4}$/);
    expect(Buffer.from(encoded, 'base64')).toHaveLength(32);
    expect(parseKeyring(entry).activeKid).toBe(kid);
  });

  it('uses the given kid and fresh bytes each time', () => {
    const a = generateKeyEntry('main');
    const b = generateKeyEntry('main');
    expect(a.startsWith('main:')).toBe(true);
    expect(a).not.toBe(b);
  });

  it('refuses a malformed kid', () => {
    expect(codeOf(() => generateKeyEntry('bad kid'))).toBe('ERR_CONFIG_INVALID');
  });
});

describe('deriveSubkey', () => {
  const spec = `k2:${key()},k1:${key()}`;

  it('is 32 bytes, deterministic per keyring and label, distinct per label', () => {
    const a = deriveSubkey(parseKeyring(spec), 'redis');
    expect(a).toHaveLength(32);
    expect(deriveSubkey(parseKeyring(spec), 'redis').equals(a)).toBe(true);
    expect(deriveSubkey(parseKeyring(spec), 'client-user-id').equals(a)).toBe(false);
  });

  it('follows the active key', () => {
    const [first, second] = spec.split(',') as [string, string];
    const swapped = parseKeyring(`${second},${first}`);
    expect(deriveSubkey(swapped, 'redis').equals(deriveSubkey(parseKeyring(spec), 'redis'))).toBe(false);
    expect(deriveSubkey(swapped, 'redis').equals(deriveSubkey(parseKeyring(second), 'redis'))).toBe(true);
  });

  it('is not the key itself', () => {
    const raw = randomBytes(32);
    expect(deriveSubkey(parseKeyring(`k1:${b64(raw)}`), 'x').equals(raw)).toBe(false);
  });
});
