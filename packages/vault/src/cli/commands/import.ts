import { InputInvalidError } from '../../errors.js';
import type { ImportReport } from '../../types/admin.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'move existing plaintext tokens in (JSON lines on stdin, or a PostgreSQL query)',
  help: `Usage: plaid-vault import [--verify] < tokens.jsonl
       plaid-vault import --from-postgres URL --query SQL [--verify]

Reads {"userId","itemId","accessToken"} per line on stdin, or the rows of SQL
run against the PostgreSQL database at URL (read-only transaction, streamed
through a cursor), which must return user_id, item_id and access_token columns.
Each token is sealed into the vault. Items already in the vault are skipped,
never overwritten.

Prints how many were imported, skipped (already present) and invalid, with
line (or row) numbers and reasons. Never prints a token, not even an invalid one.

Options:
  --verify              check each token with Plaid /item/get first; a dead
                        token, or one that belongs to another item id, is invalid
  --from-postgres URL   read from this PostgreSQL database instead of stdin
  --query SQL           the query for --from-postgres

Exit code 1 when any line is invalid, or when interrupted (Ctrl-C stops between
records; what was imported stays, and the next run skips it).`,
  options: { verify: { type: 'boolean' }, 'from-postgres': { type: 'string' }, query: { type: 'string' } },
  async run({ values, out, runtime, io, signal }) {
    const from = values['from-postgres'] as string | undefined;
    const query = values.query as string | undefined;
    if ((from === undefined) !== (query === undefined)) throw new InputInvalidError('--from-postgres and --query go together.');
    const vault = await runtime.vault();
    const { readJsonLines, readPostgres } = await import('../../index.js');
    const source = from !== undefined && query !== undefined ? readPostgres(from, query) : readJsonLines(io.stdin);
    const report = await vault.import(source, { verify: values.verify === true, signal });
    await vault.audit.flush();
    out.result(report, () => humanReport(report));
    return report.invalid > 0 || report.interrupted ? EXIT.failure : EXIT.ok;
  },
};

function humanReport(r: ImportReport): string[] {
  return [
    ...r.invalidLines.map((l) => `invalid  line ${l.line}: ${l.reason}`),
    ...r.skippedLines.map((l) => `skipped  line ${l.line}: ${l.itemId} ${l.reason}`),
    ...(r.invalid > r.invalidLines.length || r.skipped > r.skippedLines.length ? ['(only the first 1000 of each are listed)'] : []),
    `imported ${r.imported}, skipped ${r.skipped}, invalid ${r.invalid} (of ${r.read} read)${r.interrupted ? ' (interrupted: run again to continue)' : ''}`,
  ];
}
