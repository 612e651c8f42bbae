/** Pure pieces of the CLI: durations, counts, VAULT_API_KEYS, JSON-lines import records. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseApiKeysEnv } from '../../src/cli/api-keys-env.js';
import { parseCount, parseDuration, parseSince } from '../../src/cli/duration.js';
import { readJsonLines } from '../../src/import/json-lines-source.js';
import type { ImportInput } from '../../src/import/import-record.js';
import { fakeAccessToken } from '../helpers/services.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('durations and counts', () => {
  it.each([
    ['90d', 90 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['30m', 30 * 60_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '90', 'd', '-1d', '1.5d', '90days', '1y'])('%j is refused with ERR_INPUT_INVALID', (text) => {
    expect(codeOf(() => parseDuration(text))).toBe('ERR_INPUT_INVALID');
  });

  it('--since takes a duration back from now or a date-time', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(parseSince('1d', now).toISOString()).toBe('2026-05-31T00:00:00.000Z');
    expect(parseSince('2026-01-31T12:00:00Z', now).toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(codeOf(() => parseSince('yesterday', now))).toBe('ERR_INPUT_INVALID');
  });

  it('counts are whole numbers within bounds, with a default', () => {
    expect(parseCount(undefined, 'batch', 500, 1000)).toBe(500);
    expect(parseCount('7', 'batch', 500, 1000)).toBe(7);
    for (const bad of ['0', '1001', '2.5', 'x', '-3']) expect(codeOf(() => parseCount(bad, 'batch', 500, 1000))).toBe('ERR_INPUT_INVALID');
  });
});

describe('VAULT_API_KEYS', () => {
  it('parses id:hash entries', () => {
    expect(parseApiKeysEnv('billing:sha256:abc, reports:scrypt:1:2:3:4:5')).toEqual([
      { id: 'billing', hash: 'sha256:abc' },
      { id: 'reports', hash: 'scrypt:1:2:3:4:5' },
    ]);
  });

  it.each([undefined, '', 'pvk_rawkeypastedbymistake', 'billing:pvk_raw', ':sha256:abc'])('%j is refused without echoing it', (value) => {
    let message = '';
    try {
      parseApiKeysEnv(value);
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ERR_CONFIG_INVALID');
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    if (value) expect(message).not.toContain(value);
  });
});

describe('JSON-lines import source', () => {
  async function read(text: string): Promise<ImportInput[]> {
    const out: ImportInput[] = [];
    for await (const input of readJsonLines(Readable.from([text]))) out.push(input);
    return out;
  }

  it('numbers lines from 1, skips blanks, and never quotes a rejected line', async () => {
    const token = fakeAccessToken();
    const text = [
      JSON.stringify({ userId: 'u1', itemId: 'i1', accessToken: token }),
      '',
      `{"userId":"u2","accessToken":"${token}"`,
      JSON.stringify({ userId: 'u3', itemId: 'i3', accessToken: `${token}x` }),
      JSON.stringify([token]),
      'x'.repeat(5000),
    ].join('\n');
    const inputs = await read(text);
    expect(inputs.map((i) => (i.ok ? `ok:${i.record.line}` : `bad:${i.line}`))).toEqual(['ok:1', 'bad:3', 'bad:4', 'bad:5', 'bad:6']);
    const first = inputs[0]!;
    expect(first.ok && first.record.accessToken.reveal()).toBe(token);
    expect(first.ok && String(first.record.accessToken)).toBe('[redacted]');
    for (const i of inputs) if (!i.ok) expect(i.reason).not.toContain(token.slice(15));
  });

  it('reads CRLF lines, a last line without a newline, and chunks that split a line or a character', async () => {
    const line = (n: number) => JSON.stringify({ userId: `u${n}`, itemId: `i${n}`, accessToken: fakeAccessToken() });
    // "é" is two bytes in UTF-8: a chunk boundary falls inside it.
    const bytes = Buffer.from(`${line(1)}\r\n${line(2)}\n{"userId":"é"}\n${line(4)}`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const out: ImportInput[] = [];
    for await (const input of readJsonLines(Readable.from(chunks))) out.push(input);
    expect(out.map((i) => (i.ok ? `ok:${i.record.line}:${i.record.itemId}` : `bad:${i.line}`))).toEqual([
      'ok:1:i1',
      'ok:2:i2',
      'bad:3',
      'ok:4:i4',
    ]);
  });

  it('counts past a line longer than the limit without holding it, and goes on with the next line', async () => {
    const token = fakeAccessToken();
    const chunks = 1024; // a 64 MiB line with no newline until the end, in fresh 64 KiB chunks
    let peak = 0;
    const before = process.memoryUsage().heapUsed;
    async function* source() {
      for (let i = 0; i < chunks; i++) {
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        yield Buffer.alloc(64 * 1024, 'a');
      }
      yield Buffer.from(`\n${JSON.stringify({ userId: 'u1', itemId: 'i1', accessToken: token })}\n`);
    }
    const out: ImportInput[] = [];
    for await (const input of readJsonLines(Readable.from(source()))) out.push(input);
    expect(out.map((i) => (i.ok ? `ok:${i.record.line}` : `bad:${i.line}:${i.reason}`))).toEqual([
      'bad:1:line longer than 4096 characters',
      'ok:2',
    ]);
    // Held, the line alone would be 64 MiB; counted past, what is live stays about a few chunks.
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });
});
