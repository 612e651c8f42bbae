import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditBodyTail, auditHash, auditTail, type HashedFields } from '../../src/store/audit-hash.js';
import { prng } from '../helpers/prng.js';

const base: HashedFields = {
  seq: 7,
  at: new Date('2026-05-06T07:08:09.012Z'),
  actor: 'api',
  userId: 'user-1',
  itemId: 'item-1',
  action: 'token.decrypt',
  purpose: 'sync',
  outcome: 'ok',
  requestId: 'req-1',
};

describe('audit hash', () => {
  it('is sha256 of prevHash, a newline and the JSON array of the fields', () => {
    const body = '[7,"2026-05-06T07:08:09.012Z","api","user-1","item-1","token.decrypt","sync","ok","req-1"]';
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${body}`).digest('hex');
    expect(auditHash(GENESIS_HASH, base)).toBe(expected);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  const changes: [string, Partial<HashedFields>][] = [
    ['seq', { seq: 8 }],
    ['at (1 ms)', { at: new Date(base.at.getTime() + 1) }],
    ['actor', { actor: 'cli' }],
    ['userId', { userId: 'user-2' }],
    ['userId to null', { userId: null }],
    ['itemId', { itemId: 'item-2' }],
    ['action', { action: 'item.remove' }],
    ['purpose', { purpose: 'Sync' }],
    ['outcome', { outcome: 'denied' }],
    ['requestId', { requestId: null }],
  ];
  it.each(changes)('changes when %s changes', (_name, change) => {
    expect(auditHash(GENESIS_HASH, { ...base, ...change })).not.toBe(auditHash(GENESIS_HASH, base));
  });

  it('depends on the previous hash', () => {
    expect(auditHash('a'.repeat(64), base)).not.toBe(auditHash(GENESIS_HASH, base));
  });

  it('cannot be forged by moving text between fields', () => {
    const a = auditHash(GENESIS_HASH, { ...base, actor: 'a","b', userId: 'c' });
    const b = auditHash(GENESIS_HASH, { ...base, actor: 'a', userId: 'b","c' });
    expect(a).not.toBe(b);
  });

  describe('the hand-written encoder is JSON.stringify to the byte (old rows keep verifying)', () => {
    // What JSON.stringify treats specially: quotes, backslashes, control characters, DEL,
    // U+2028/9, lone and paired surrogates, non-ASCII; and the verbatim printable ASCII around them.
    const ALPHABET = [
      'a',
      'Z',
      '0',
      ' ',
      '-',
      '.',
      '~',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0000',
      '\u001f',
      '\u007f',
      'é',
      '\u2028',
      '\u2029',
      '\ud800',
      '\udfff',
      '😀',
      '{',
      '[',
    ];
    const reference = (e: Omit<HashedFields, 'seq'>) =>
      JSON.stringify([e.at.toISOString(), e.actor, e.userId, e.itemId, e.action, e.purpose, e.outcome, e.requestId]).slice(1);

    it('on 5,000 random events', () => {
      const seed = 0x5eed12;
      const rand = prng(seed);
      const text = (max: number) =>
        Array.from({ length: Math.floor(rand() * max) }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]!).join('');
      const maybe = (max: number) => (rand() < 0.2 ? null : text(max));
      for (let i = 0; i < 5000; i++) {
        const e = {
          at: new Date(Math.floor(rand() * 4_102_444_800_000)),
          actor: text(40),
          userId: maybe(20),
          itemId: maybe(20),
          action: 'token.decrypt' as const,
          purpose: maybe(30),
          outcome: text(10),
          requestId: maybe(20),
        };
        expect(auditBodyTail(e), `seed ${seed}, draw ${i}`).toBe(reference(e));
      }
    });

    it('on the edges: empty strings, the same millisecond twice, then another; years past 9999', () => {
      const at = new Date('2026-05-06T07:08:09.012Z');
      const e = { ...base, actor: '', userId: '', purpose: '' };
      expect(auditBodyTail(e)).toBe(reference(e));
      expect(auditBodyTail({ ...e, at: new Date(at.getTime()) })).toBe(reference(e));
      const later = { ...e, at: new Date(at.getTime() + 1) };
      expect(auditBodyTail(later)).toBe(reference(later));
      const far = { ...base, at: new Date(8.64e15) };
      expect(auditBodyTail(far)).toBe(reference(far));
    });

    it('keeps JSON.stringify for what the types exclude (undefined is null in an array), and an invalid date still throws', () => {
      const loose = auditTail(0, 'a', undefined as unknown as null, null, 'x', 'p', 'ok', null);
      expect(loose).toBe(JSON.stringify([new Date(0).toISOString(), 'a', null, null, 'x', 'p', 'ok', null]).slice(1));
      expect(() => auditBodyTail({ ...base, at: new Date(Number.NaN) })).toThrow(RangeError);
    });
  });
});
