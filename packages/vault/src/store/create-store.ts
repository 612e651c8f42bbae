import { databaseDialect, sqliteFile, SCHEMA_NAME, type DatabaseDialect } from '../config/database-url.js';
import { ConfigInvalidError } from '../errors.js';
import { silentLogger, type Logger } from '../types/logger.js';
import { systemClock, type Clock } from '../types/clock.js';
import type { StoreBackend } from './store-backend.js';
import { KyselyStore } from './kysely-store.js';
import { createPostgresBackend } from './postgres-backend.js';
import { createSqliteBackend } from './sqlite-backend.js';
import type { TokenStore } from './types.js';

export interface CreateStoreOptions {
  /** `sqlite:PATH`, `sqlite::memory:`, `postgres://...` or `postgresql://...`. */
  url: string;
  /** The dialect parseConfig read from `url` (`config.database`); read from `url` here when not given. */
  dialect?: DatabaseDialect;
  /** PostgreSQL only: the schema for the tables (every table name is qualified with it; no search_path). */
  schema?: string;
  logger?: Logger;
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /** PostgreSQL connect timeout before ERR_STORE_UNAVAILABLE (default 5000 ms). */
  connectTimeoutMs?: number;
  /** SQLite: how long a writer waits for the lock before ERR_STORE_UNAVAILABLE (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Time source for marker expiry and audit timestamps not set by the caller. */
  clock?: Clock;
}

function openBackend(opts: CreateStoreOptions): StoreBackend {
  const { url } = opts;
  const dialect = opts.dialect ?? databaseDialect(url);
  if (dialect === 'sqlite') {
    return createSqliteBackend({ path: sqliteFile(url), busyTimeoutMs: opts.busyTimeoutMs ?? 5000 });
  }
  if (dialect === 'postgres') {
    // Quoted into SQL as the tables' qualifier, so it must be a plain identifier.
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new ConfigInvalidError('The PostgreSQL schema name must be a plain identifier.');
    }
    return createPostgresBackend({
      url,
      schema: opts.schema,
      poolMax: opts.poolMax ?? 10,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      logger: opts.logger ?? silentLogger,
    });
  }
  // The URL may hold a password: never echo it.
  if (url.startsWith('sqlite:')) throw new ConfigInvalidError('The SQLite database URL needs a path: sqlite:PATH.');
  throw new ConfigInvalidError('The database URL must start with sqlite: or postgres://.');
}

/**
 * Open a TokenStore. Nothing is read or created until the first call (SQLite
 * creates the file's directory at once); call `migrate()` before use.
 *
 * @example
 * const store = createStore({ url: 'sqlite:.data/vault.db' });
 * await store.migrate();
 * const row = await store.getEnvelope('item-1');
 */
export function createStore(opts: CreateStoreOptions): TokenStore {
  return new KyselyStore(openBackend(opts), opts.clock ?? systemClock);
}
