import { loadPg } from '../drivers/optional-package.js';
import { InputInvalidError, StoreUnavailableError } from '../errors.js';
import { toImportInput, type ImportInput } from './import-record.js';

const FETCH = 500;

/**
 * Records from a query against another PostgreSQL database (the app's old
 * plaintext table), streamed through a server-side cursor so memory stays
 * flat. The query must return `user_id`, `item_id` and `access_token`
 * columns; rows are numbered from 1 in the report. `pg` is loaded on the
 * first read, so the package root (which exports this) does not load it.
 *
 * @example
 *   readPostgres('postgres://app@db/app', 'select user_id, item_id, access_token from plaid_items')
 */
export async function* readPostgres(url: string, query: string): AsyncGenerator<ImportInput> {
  const { default: pg } = await loadPg();
  let client: InstanceType<typeof pg.Client>;
  try {
    // The constructor parses the URL: a malformed one throws here.
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    // pg emits connection errors here; without a listener they would crash the CLI.
    client.on('error', () => {});
    await client.connect();
  } catch (err) {
    throw new StoreUnavailableError('The source database is unavailable.', { cause: err });
  }
  try {
    await client.query('begin read only');
    await sourceQuery(() => client.query(`declare plaid_vault_import no scroll cursor for ${query}`));
    let n = 0;
    let checkedColumns = false;
    for (;;) {
      // Rows are computed as they are fetched: a cast or a division that fails on one fails here, not at declare.
      const result = await sourceQuery(() => client.query<Record<string, unknown>>(`fetch ${FETCH} from plaid_vault_import`));
      if (!checkedColumns) {
        const names = result.fields.map((f) => f.name);
        const missing = ['user_id', 'item_id', 'access_token'].filter((c) => !names.includes(c));
        if (missing.length > 0) throw new InputInvalidError(`The --query must return the columns ${missing.join(', ')}.`);
        checkedColumns = true;
      }
      for (const row of result.rows) {
        n++;
        yield toImportInput(n, { userId: row.user_id, itemId: row.item_id, accessToken: row.access_token });
      }
      if (result.rows.length < FETCH) break;
    }
    await client.query('commit');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A statement of the caller's query. pg's message quotes values back (`invalid
 * input syntax for type integer: "access-..."`), so neither it nor the error
 * is kept: the SQLSTATE is enough to act on. A lost connection stays
 * ERR_STORE_UNAVAILABLE.
 */
async function sourceQuery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const state = (err as { code?: unknown }).code;
    if (typeof state !== 'string' || !/^[0-9A-Z]{5}$/.test(state) || state.startsWith('08') || state.startsWith('57')) {
      throw new StoreUnavailableError('The source database is unavailable.');
    }
    throw new InputInvalidError(`The --query failed (SQLSTATE ${state}).`, { details: { sqlstate: state } });
  }
}
