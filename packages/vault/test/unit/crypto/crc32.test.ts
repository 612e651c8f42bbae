import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/crypto/crc32.js';

describe('crc32', () => {
  it.each([
    ['the standard check vector', Buffer.from('123456789'), 0xcbf43926],
    ['empty input', Buffer.alloc(0), 0],
    ['one zero byte', Buffer.alloc(1), 0xd202ef8d],
  ])('%s', (_name, input, expected) => {
    expect(crc32(input)).toBe(expected);
  });

  it('agrees with zlib on random inputs', () => {
    const reference = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (!reference) return; // Node < 20.15: the vectors above still pin the algorithm.
    for (let length = 0; length < 300; length += 7) {
      const bytes = randomBytes(length);
      expect(crc32(bytes)).toBe(reference(bytes));
    }
  });

  it('covers only the first `end` bytes', () => {
    const bytes = randomBytes(64);
    expect(crc32(bytes, 40)).toBe(crc32(bytes.subarray(0, 40)));
  });

  it('changes for every single-byte change at every position', () => {
    const bytes = randomBytes(200);
    const base = crc32(bytes);
    let unchanged = 0;
    for (let position = 0; position < bytes.length; position++) {
      for (let delta = 1; delta < 256; delta += 17) {
        const copy = Buffer.from(bytes);
        copy[position]! ^= delta;
        if (crc32(copy) === base) unchanged++;
      }
    }
    expect(unchanged).toBe(0);
  });
});
