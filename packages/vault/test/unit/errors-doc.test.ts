/**
 * Error codes are public API: docs/errors.md must list exactly the codes in
 * HTTP_STATUS, each with the same status and a meaning and a fix.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/errors.js';

const DOC = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

interface DocRow {
  code: string;
  status: number;
  meaning: string;
  fix: string;
}

/** Rows of the first markdown table whose first cell is a backticked ERR_ code. */
function parseDoc(markdown: string): DocRow[] {
  return markdown
    .split('\n')
    .filter((line) => /^\|\s*`ERR_/.test(line))
    .map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { code: cells[0]!.replaceAll('`', ''), status: Number(cells[1]), meaning: cells[2] ?? '', fix: cells[3] ?? '' };
    });
}

describe('docs/errors.md', () => {
  const rows = parseDoc(readFileSync(DOC, 'utf8'));
  const documented = new Map(rows.map((row) => [row.code, row]));
  const codes = Object.keys(HTTP_STATUS);

  it('parses into rows', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists each code once', () => {
    expect(rows.length).toBe(documented.size);
  });

  it('documents every code', () => {
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    expect([...documented.keys()].filter((code) => !(code in HTTP_STATUS))).toEqual([]);
  });

  it('gives each code the status of HTTP_STATUS', () => {
    const mismatched = codes
      .filter((code) => documented.has(code))
      .filter((code) => documented.get(code)!.status !== HTTP_STATUS[code as keyof typeof HTTP_STATUS])
      .map((code) => `${code}: doc ${documented.get(code)!.status}, code ${HTTP_STATUS[code as keyof typeof HTTP_STATUS]}`);
    expect(mismatched).toEqual([]);
  });

  it('says what each code means and what to do', () => {
    expect(rows.filter((row) => row.meaning.length < 10 || row.fix.length < 5).map((row) => row.code)).toEqual([]);
  });
});
