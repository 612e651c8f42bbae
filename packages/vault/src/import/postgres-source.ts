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
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // pg emits connection errors here; without a listener they would crash the CLI.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new StoreUnavailableError('The source database is unavailable.', { cause: err });
  }
  try {
    await client.query('begin read only');
    try {
      await client.query(`declare plaid_vault_import no scroll cursor for ${query}`);
    } catch (err) {
      // pg's message can quote the query back; the SQLSTATE is enough to act on.
      const state = (err as { code?: string }).code ?? 'unknown';
      throw new InputInvalidError(`The --query failed (SQLSTATE ${state}).`, { cause: err });
    }
    let n = 0;
    let checkedColumns = false;
    for (;;) {
      const result = await client.query<Record<string, unknown>>(`fetch ${FETCH} from plaid_vault_import`);
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
