import { StringDecoder } from 'node:string_decoder';
import { toImportInput, type ImportInput } from './import-record.js';

/** Longer lines are refused unread: a record is three short strings. */
const MAX_LINE = 4096;

type Line = { text: string; line: number } | { tooLong: true; line: number };

/**
 * Split a stream into lines (`\n`, with a `\r` before it dropped) holding at
 * most MAX_LINE characters of any one line: the rest of a longer line is
 * counted past, never kept, so one endless line costs a chunk of memory, not
 * the whole line (readline would buffer all of it before any length check).
 */
async function* boundedLines(input: NodeJS.ReadableStream): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let current = '';
  let tooLong = false;
  let n = 0;
  const end = (): Line => {
    n++;
    const line: Line = tooLong ? { tooLong: true, line: n } : { text: current.endsWith('\r') ? current.slice(0, -1) : current, line: n };
    current = '';
    tooLong = false;
    return line;
  };
  const take = function* (text: string): Generator<Line> {
    let from = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
      if (!tooLong) current += text.slice(from, at);
      // One character over (a `\r` that ends the line) is allowed for: the check below is on the line without it.
      if (current.length > MAX_LINE + 1) tooLong = true;
      yield end();
      from = at + 1;
    }
    if (!tooLong) {
      current += text.slice(from);
      if (current.length > MAX_LINE + 1) {
        tooLong = true;
        current = '';
      }
    }
  };
  for await (const chunk of input) {
    yield* take(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
  }
  yield* take(decoder.end());
  if (tooLong || current !== '') yield end();
}

/**
 * Records from JSON lines (`{"userId","itemId","accessToken"}` per line).
 * Blank lines are ignored; every other line yields a record or a rejection
 * whose reason never quotes the line.
 */
export async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<ImportInput> {
  for await (const entry of boundedLines(input)) {
    const n = entry.line;
    if ('tooLong' in entry || entry.text.length > MAX_LINE) {
      yield { ok: false, line: n, reason: `line longer than ${MAX_LINE} characters` };
      continue;
    }
    const text = entry.text;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the offending text; say only that it is not JSON.
      yield { ok: false, line: n, reason: 'not valid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { ok: false, line: n, reason: 'not a JSON object' };
      continue;
    }
    const { userId, itemId, accessToken } = value as Record<string, unknown>;
    yield toImportInput(n, { userId, itemId, accessToken });
  }
}
