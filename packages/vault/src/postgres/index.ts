/**
 * `plaid-vault/postgres`: for an application's own Kysely tables beside the
 * vault's, reached through the same transaction-mode pooler. Kysely's stock
 * PostgreSQL migrator holds a session lock that such a pooler leaks; this
 * dialect's lock lives and dies with the migration's transaction.
 *
 * @example
 * import { PoolerSafePostgresDialect } from 'plaid-vault/postgres';
 * const db = new Kysely<AppTables>({ dialect: new PoolerSafePostgresDialect({ pool }) }).withSchema('app');
 * await new Migrator({ db, provider, migrationTableSchema: 'app' }).migrateToLatest();
 */
export { PoolerSafePostgresDialect } from '../store/postgres-migration-lock.js';
