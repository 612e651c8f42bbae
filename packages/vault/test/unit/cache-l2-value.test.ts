/**
 * The L2 value format and the version floor, without Redis: a value decodes
 * only under its own key and MAC key; any changed byte, a truncation or an
 * older-format value is refused (never thrown); an instance refuses a version
 * older than the newest it has seen, and after an invalidation or a missing
 * row accepts nothing from L2 until the store has been read.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeL2Value, deriveL2MacKey, encodeL2Value, l2ValueEnvelope } from '../../src/cache/l2-value.js';
import { createTokenVersions } from '../../src/cache/token-versions.js';
import { seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { fakeAccessToken, testKeys } from '../helpers/services.js';

const macKey = deriveL2MacKey(randomBytes(32));
const envelope = seal(parseKeyring(testKeys('k1')), { itemId: 'item-1', userId: 'user-1' }, fakeAccessToken());
const KEY = 'pv:unit:{abc}';

describe('L2 value', () => {
  it('round-trips under its key, and the envelope is the row envelope byte for byte', () => {
    const value = encodeL2Value(macKey, KEY, 7, envelope)!;
    expect(decodeL2Value(macKey, KEY, value)).toEqual({ version: 7, envelope });
    expect(l2ValueEnvelope(value)).toEqual(envelope);
    expect(value.length).toBe(envelope.length + 21);
  });

  it('refuses every single-byte change, each truncation, another key and another MAC key', () => {
    const value = encodeL2Value(macKey, KEY, 7, envelope)!;
    for (let i = 0; i < value.length; i += 1) {
      const changed = Buffer.from(value);
      changed[i]! ^= 0x01;
      // Byte 0 is the format tag: a changed tag is "not this format", every other byte fails the MAC.
      expect(decodeL2Value(macKey, KEY, changed)).toBe(i === 0 ? 'format' : 'mac');
    }
    for (let n = 0; n < value.length; n += 1) expect(typeof decodeL2Value(macKey, KEY, value.subarray(0, n))).toBe('string');
    expect(decodeL2Value(macKey, 'pv:unit:{abd}', value)).toBe('mac');
    expect(decodeL2Value(deriveL2MacKey(randomBytes(32)), KEY, value)).toBe('mac');
  });

  it('reads an older-format value (a bare envelope) as "format", and cannot hold a version out of range', () => {
    expect(decodeL2Value(macKey, KEY, envelope)).toBe('format');
    expect(l2ValueEnvelope(envelope)).toBeUndefined();
    expect(encodeL2Value(macKey, KEY, -1, envelope)).toBeUndefined();
    expect(encodeL2Value(macKey, KEY, 2 ** 32, envelope)).toBeUndefined();
  });
});

describe('token version floor', () => {
  it('accepts anything for an item it never saw, then nothing older than the newest it saw', () => {
    const versions = createTokenVersions(100);
    expect(versions.accepts('h', 1)).toBe(true);
    versions.saw('h', 3);
    expect([versions.accepts('h', 2), versions.accepts('h', 3), versions.accepts('h', 4)]).toEqual([false, true, true]);
    versions.saw('h', 2); // an older value seen later does not lower the floor
    expect(versions.accepts('h', 2)).toBe(false);
  });

  it('after an invalidation or a missing row, only a store read opens L2 again (and sets the floor exactly)', () => {
    const versions = createTokenVersions(100);
    versions.loaded('h', 5);
    versions.invalidated('h');
    expect(versions.accepts('h', 99)).toBe(false);
    versions.loaded('h', 6);
    expect([versions.accepts('h', 5), versions.accepts('h', 6)]).toEqual([false, true]);
    versions.loaded('h', undefined); // deleted
    expect(versions.accepts('h', 6)).toBe(false);
    versions.loaded('h', 1); // put again: versions start over at 1
    expect(versions.accepts('h', 1)).toBe(true);
  });
});
