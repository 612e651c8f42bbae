import { isVaultError } from '../errors.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ItemStore } from '../store/types.js';
import type { ImportInput, ImportOptions, ImportReport, ImportSourceEntry } from '../types/admin.js';
import type { PutItemInput } from '../types/items.js';
import { toImportInput } from './import-record.js';
import { importTokens, type ImportDeps, type VerifyOutcome } from './import-tokens.js';

export interface ImportItemsDeps {
  store: Pick<ItemStore, 'getItem'>;
  /** The vault's put (seals, invalidates, audits). */
  put(input: PutItemInput): Promise<unknown>;
  /** The vault's Plaid gateway, for `verify`. */
  plaid: Pick<PlaidGateway, 'getItem'>;
}

/**
 * `vault.import`: tokens from `source` into the vault, through the vault's own
 * put. Items already stored are skipped, never overwritten; with `verify`,
 * Plaid's `/item/get` decides whether a token is alive and whose it is.
 *
 * @example
 * const report = await importItems({ store, put, plaid }, readJsonLines(process.stdin), { verify: true });
 */
export function importItems(
  deps: ImportItemsDeps,
  source: AsyncIterable<ImportSourceEntry> | Iterable<ImportSourceEntry>,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const steps: ImportDeps = {
    exists: async (itemId) => (await deps.store.getItem(itemId)) !== undefined,
    put: async (record, extra) => {
      await deps.put({
        userId: record.userId,
        itemId: record.itemId,
        accessToken: record.accessToken.reveal(),
        ...(extra.institutionId !== null && { institutionId: extra.institutionId }),
      });
    },
    ...(opts.verify && {
      verify: async (token): Promise<VerifyOutcome> => {
        try {
          const info = await deps.plaid.getItem(token);
          return { ok: true, itemId: info.itemId, institutionId: info.institutionId };
        } catch (err) {
          // Only a verdict on this token makes it invalid; bad credentials or an outage stop the import.
          if (isVaultError(err) && isTokenGone(err)) return { ok: false, reason: `rejected by Plaid (${err.code})` };
          throw err;
        }
      },
    }),
  };
  const onProgress = opts.onProgress;
  return importTokens(checked(source), steps, {
    ...(onProgress && { onRecord: ({ read, imported, skipped, invalid }) => onProgress({ read, imported, skipped, invalid }) }),
    ...(opts.signal && { signal: opts.signal }),
  });
}

/** Plain entries are checked like a reader's lines; a reader's output passes as it is. */
async function* checked(source: AsyncIterable<ImportSourceEntry> | Iterable<ImportSourceEntry>): AsyncGenerator<ImportInput> {
  let n = 0;
  for await (const entry of source) {
    n++;
    if ('ok' in entry && typeof entry.ok === 'boolean') yield entry as ImportInput;
    else {
      const fields = entry as { userId: unknown; itemId: unknown; accessToken: unknown; line?: number };
      yield toImportInput(typeof fields.line === 'number' ? fields.line : n, fields);
    }
  }
}
