import { PostgresAdapter, PostgresDialect, sql, type DialectAdapter, type Kysely } from 'kysely';

/**
 * Kysely's own migration lock key: a migrator still on Kysely's session lock
 * (an instance not yet upgraded, mid-deploy) and this one exclude each other.
 */
const MIGRATION_LOCK_KEY = 3853314791062309107n;

/**
 * Kysely's PostgreSQL migrator takes a session-level advisory lock
 * (`pg_advisory_lock`) before its transaction and releases it after. Through a
 * pooler in transaction mode the three statements may run on three server
 * connections: the unlock misses, the lock stays on a pooled connection, and
 * the next migration waits on it for up to an hour.
 *
 * Here the lock is transaction-scoped instead. Kysely calls acquire on the
 * connection it then runs the migrations on, in a transaction it opens right
 * after (transactional DDL): the transaction is opened here, so the lock is its
 * first statement; Kysely's own BEGIN is then a no-op (PostgreSQL only warns),
 * its COMMIT or ROLLBACK ends the transaction and the lock with it, and release
 * has nothing left to do.
 */
class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`begin`.execute(db);
    try {
      await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(db);
    } catch (err) {
      // Kysely hands this connection back to the pool: never inside a failed transaction.
      await sql`rollback`.execute(db).catch(() => {});
      throw err;
    }
  }

  override async releaseMigrationLock(): Promise<void> {}
}

/**
 * Kysely's PostgresDialect with a migration lock that holds no state beyond
 * its transaction, so migrations may run through PgBouncer in transaction mode.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PoolerSafePostgresDialect({ pool }) });
 * await new Migrator({ db, provider }).migrateToLatest();
 */
export class PoolerSafePostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionLockAdapter();
  }
}
