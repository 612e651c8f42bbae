import { InputInvalidError, isVaultError } from '../../errors.js';
import { importTokens, type ImportReport, type VerifyOutcome } from '../../import/import-tokens.js';
import { readJsonLines } from '../../import/json-lines-source.js';
import { isTokenGone } from '../../plaid/errors.js';
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

Exit code 1 when any line is invalid.`,
  options: { verify: { type: 'boolean' }, 'from-postgres': { type: 'string' }, query: { type: 'string' } },
  async run({ values, out, runtime, io }) {
    const from = values['from-postgres'] as string | undefined;
    const query = values.query as string | undefined;
    if ((from === undefined) !== (query === undefined)) throw new InputInvalidError('--from-postgres and --query go together.');
    const vault = await runtime.vault();
    const store = await runtime.store();
    const plaid = values.verify ? await (await import('../plaid.js')).createPlaidFromConfig(await runtime.config()) : undefined;
    const source =
      from !== undefined && query !== undefined
        ? (await import('../../import/postgres-source.js')).readPostgres(from, query)
        : readJsonLines(io.stdin);

    const report = await importTokens(source, {
      exists: async (itemId) => (await store.getItem(itemId)) !== undefined,
      put: async (record, extra) => {
        await vault.items.put({
          userId: record.userId,
          itemId: record.itemId,
          accessToken: record.accessToken.reveal(),
          ...(extra.institutionId !== null && { institutionId: extra.institutionId }),
        });
      },
      ...(plaid && {
        verify: async (token): Promise<VerifyOutcome> => {
          try {
            const info = await plaid.getItem(token);
            return { ok: true, itemId: info.itemId, institutionId: info.institutionId };
          } catch (err) {
            // Only a verdict on this token makes it invalid; bad credentials or an outage stop the import.
            if (isVaultError(err) && isTokenGone(err)) return { ok: false, reason: `rejected by Plaid (${err.code})` };
            throw err;
          }
        },
      }),
    });
    await vault.audit.flush();
    out.result(report, () => humanReport(report));
    return report.invalid > 0 ? EXIT.failure : EXIT.ok;
  },
};

function humanReport(r: ImportReport): string[] {
  return [
    ...r.invalidLines.map((l) => `invalid  line ${l.line}: ${l.reason}`),
    ...r.skippedLines.map((l) => `skipped  line ${l.line}: ${l.itemId} ${l.reason}`),
    ...(r.invalid > r.invalidLines.length || r.skipped > r.skippedLines.length ? ['(only the first 1000 of each are listed)'] : []),
    `imported ${r.imported}, skipped ${r.skipped}, invalid ${r.invalid} (of ${r.read} read)`,
  ];
}
