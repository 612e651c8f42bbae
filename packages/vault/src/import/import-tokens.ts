import type { Secret } from '../crypto/secret.js';
import type { ImportReport } from '../types/admin.js';
import type { ImportInput, ImportRecord } from './import-record.js';

export type VerifyOutcome = { ok: true; itemId: string; institutionId: string | null } | { ok: false; reason: string };

export interface ImportDeps {
  exists(itemId: string): Promise<boolean>;
  /** Store the record unless the item is there by now; false when it was (then it counts as skipped). */
  put(record: ImportRecord, extra: { institutionId: string | null }): Promise<boolean>;
  /** Ask Plaid whether the token works (`/item/get`). The token is revealed only inside. */
  verify?(token: Secret): Promise<VerifyOutcome>;
}

export type { ImportReport };

export const DETAIL_LIMIT = 1000;

/**
 * Move existing plaintext tokens into the vault. An item already stored is
 * skipped (the vault's copy is newer or equal: import never overwrites); a
 * record that fails validation, or Plaid's check with `verify`, is reported
 * as invalid with its line number. With a signal, it stops between records
 * (`interrupted`). Nothing here ever prints or returns a token.
 *
 * @example
 *   const report = await importTokens(readJsonLines(process.stdin), { exists, put });
 */
export async function importTokens(
  source: AsyncIterable<ImportInput> | Iterable<ImportInput>,
  deps: ImportDeps,
  opts: { onRecord?: (report: ImportReport) => void; signal?: AbortSignal } = {},
): Promise<ImportReport> {
  const report: ImportReport = { read: 0, imported: 0, skipped: 0, invalid: 0, skippedLines: [], invalidLines: [], interrupted: false };
  const reject = (line: number, reason: string) => {
    report.invalid++;
    if (report.invalidLines.length < DETAIL_LIMIT) report.invalidLines.push({ line, reason });
  };
  const skip = (record: ImportRecord) => {
    report.skipped++;
    if (report.skippedLines.length < DETAIL_LIMIT)
      report.skippedLines.push({ line: record.line, itemId: record.itemId, reason: 'already present' });
  };

  for await (const input of source) {
    // Checked before each record: one already read when the stop comes is left for the next run.
    if (opts.signal?.aborted) {
      report.interrupted = true;
      break;
    }
    report.read++;
    if (!input.ok) {
      reject(input.line, input.reason);
    } else if (await deps.exists(input.record.itemId)) {
      skip(input.record);
    } else {
      const { record } = input;
      const check = deps.verify
        ? await deps.verify(record.accessToken)
        : ({ ok: true, itemId: record.itemId, institutionId: null } as const);
      if (!check.ok) reject(record.line, check.reason);
      else if (check.itemId !== record.itemId) reject(record.line, 'the token belongs to another item id');
      else if (await deps.put(record, { institutionId: check.institutionId })) report.imported++;
      else skip(record);
    }
    opts.onRecord?.(report);
  }
  return report;
}
