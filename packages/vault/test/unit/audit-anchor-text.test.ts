import { describe, expect, it } from 'vitest';
import { formatAnchor, parseAnchor } from '../../src/audit/anchor-text.js';

const HASH = 'ab'.repeat(32);

describe('audit anchor text', () => {
  it('round-trips SEQ:HASH and reads the JSON of audit anchor --json (extra fields ignored), trimmed', () => {
    expect(formatAnchor({ seq: 1234, hash: HASH })).toBe(`1234:${HASH}`);
    expect(parseAnchor(` 1234:${HASH}\n`)).toEqual({ seq: 1234, hash: HASH });
    expect(parseAnchor(JSON.stringify({ seq: 0, hash: HASH, at: null, anchor: `0:${HASH}` }))).toEqual({ seq: 0, hash: HASH });
  });

  it.each([
    ['empty', ''],
    ['no hash', '12:'],
    ['upper-case hex', `12:${HASH.toUpperCase()}`],
    ['short hash', `12:${HASH.slice(2)}`],
    ['negative seq', `-1:${HASH}`],
    ['fractional seq in JSON', JSON.stringify({ seq: 1.5, hash: HASH })],
    ['seq as a string in JSON', JSON.stringify({ seq: '12', hash: HASH })],
    ['broken JSON', `{"seq":12,"hash":"${HASH}"`],
    ['JSON null', 'null'],
    ['trailing text', `12:${HASH} extra`],
  ])('refuses %s with ERR_INPUT_INVALID, without echoing it', (_name, text) => {
    let err: unknown;
    try {
      parseAnchor(text);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_INPUT_INVALID' });
    if (text.length > 3) expect((err as Error).message).not.toContain(text);
  });
});
