import { createInterface } from 'node:readline';
import { toImportInput, type ImportInput } from './import-record.js';

/** Longer lines are refused unread: a record is three short strings. */
const MAX_LINE = 4096;

/**
 * Records from JSON lines (`{"userId","itemId","accessToken"}` per line).
 * Blank lines are ignored; every other line yields a record or a rejection
 * whose reason never quotes the line.
 */
export async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<ImportInput> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    if (text.length > MAX_LINE) {
      yield { ok: false, line: n, reason: `line longer than ${MAX_LINE} characters` };
      continue;
    }
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
