import {
  PostgresAdapter,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DialectAdapter,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

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
 * What Kysely's migrator asks of an introspector: which tables exist, in which
 * schema. Kysely's own PostgreSQL introspector also reads every column of every
 * table in the database through name-based functions (`has_schema_privilege`,
 * `pg_get_serial_sequence`), so a schema dropped by someone else while it runs
 * fails the migration ("schema ... does not exist"), and its cost grows with
 * every schema in the database. This one reads names from the catalogs only.
 */
class CatalogIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(this.#db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; kind: string }>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'v', 'p') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'`.execute(this.#db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/**
 * Kysely's PostgresDialect with a migration lock that holds no state beyond
 * its transaction, so migrations may run through PgBouncer in transaction mode,
 * and an introspector that a concurrently dropped schema cannot fail.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PoolerSafePostgresDialect({ pool }) });
 * await new Migrator({ db, provider }).migrateToLatest();
 */
export class PoolerSafePostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionLockAdapter();
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CatalogIntrospector(db);
  }
}
