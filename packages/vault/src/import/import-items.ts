import { isVaultError } from '../errors.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ItemStore } from '../store/types.js';
import type { ImportInput, ImportOptions, ImportReport, ImportSourceEntry } from '../types/admin.js';
import type { PutItemInput } from '../types/items.js';
import type { Secret } from '../crypto/secret.js';
import { toImportInput } from './import-record.js';
import { importTokens, type ImportDeps, type VerifyOutcome } from './import-tokens.js';

type ImportFields = { userId: unknown; itemId: unknown; accessToken: unknown };

export interface ImportItemsDeps {
  store: Pick<ItemStore, 'getItem'>;
  /**
   * The vault's put when the item is not stored yet (seals, invalidates,
   * audits); false, writing nothing, when it is: an item put between the
   * existence check and this write is skipped too, never overwritten.
   */
  putIfAbsent(input: PutItemInput): Promise<boolean>;
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
    put: (record, extra) =>
      deps.putIfAbsent({
        userId: record.userId,
        itemId: record.itemId,
        accessToken: record.accessToken.reveal(),
        ...(extra.institutionId !== null && { institutionId: extra.institutionId }),
      }),
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

/** Plain entries are checked like a reader's lines; a reader's output passes once its shape holds. */
async function* checked(source: AsyncIterable<ImportSourceEntry> | Iterable<ImportSourceEntry>): AsyncGenerator<ImportInput> {
  let n = 0;
  for await (const entry of source as AsyncIterable<unknown>) {
    n++;
    yield toEntryInput(n, entry);
  }
}

/**
 * One entry, whatever the caller handed in. Anything that is not an object is
 * an invalid line (never a TypeError: `'ok' in "access-..."` quotes the string
 * in its message); a reader-shaped entry whose record is not what a reader
 * makes is checked again like plain fields.
 */
function toEntryInput(n: number, entry: unknown): ImportInput {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { ok: false, line: n, reason: 'not an object' };
  const fields = entry as Record<string, unknown>;
  if (fields.ok === false) {
    const line = typeof fields.line === 'number' ? fields.line : n;
    return { ok: false, line, reason: typeof fields.reason === 'string' ? fields.reason : 'invalid record' };
  }
  if (fields.ok === true) {
    const record = (typeof fields.record === 'object' && fields.record !== null ? fields.record : {}) as Record<string, unknown>;
    const token = record.accessToken as { reveal?: unknown } | undefined;
    const line = typeof record.line === 'number' ? record.line : n;
    const accessToken = typeof token?.reveal === 'function' ? (token as Secret).reveal() : undefined;
    return toImportInput(line, { userId: record.userId, itemId: record.itemId, accessToken });
  }
  return toImportInput(typeof fields.line === 'number' ? fields.line : n, fields as ImportFields);
}
