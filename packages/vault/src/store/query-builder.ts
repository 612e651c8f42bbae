/**
 * Everything of the store that needs Kysely at run time, in one module the
 * backends import on first use (StoreBackend.kysely): the query builder for
 * each dialect and the migrator. Kysely is about a thousand ES module files
 * (~180 ms on a 2-core machine), and a cold start needs none of it: the hot
 * reads, the audit append and the start-up migration check are raw
 * statements. A process loads it on its first builder query (listing items,
 * a write, `plaid-vault migrate` on a database that needs it, ...).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Pool } from 'pg';
import type { Database } from './db-schema.js';
import { createMigrationProvider } from './migrations/index.js';
import { PoolerSafePostgresDialect } from './postgres-migration-lock.js';
import type { StoreDialect } from './store-backend.js';

/** The builder over the backend's one better-sqlite3 connection (opened by the backend). */
export function openSqliteQueryBuilder(database: () => Promise<BetterSqlite3.Database>): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

/** The builder over the backend's pg Pool, every table qualified with `schema` when given. */
export function openPostgresQueryBuilder(pool: () => Promise<Pool>, schema: string | undefined): Kysely<Database> {
  const kysely = new Kysely<Database>({ dialect: new PoolerSafePostgresDialect({ pool }) });
  return schema ? kysely.withSchema(schema) : kysely;
}

/** Kysely's migrator over the vault's migrations, its bookkeeping tables in `schema` (PostgreSQL) when given. */
export function createVaultMigrator(db: Kysely<Database>, dialect: StoreDialect, schema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: createMigrationProvider(dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}
