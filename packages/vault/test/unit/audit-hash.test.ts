import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditHash, type HashedFields } from '../../src/store/audit-hash.js';

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
});
