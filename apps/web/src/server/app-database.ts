import { Kysely, Migrator, SqliteDialect, sql, type Migration } from 'kysely';
import { parseConfig, sqliteFile, type DatabaseDialect } from 'plaid-vault/config';

/**
 * The reference app's own tables (users, sessions, synced transactions, sign-in
 * throttle, sign-up limit), kept in the same database as the vault under a
 * `web_` prefix and with their own migration table, so the two migrators never
 * touch each other's rows.
 */
export interface AppSchema {
  web_users: { id: string; email: string; password_hash: string; created_at: string };
  web_sessions: { id_hash: string; user_id: string; created_at: string; expires_at: string };
  web_signin_throttle: {
    key_hash: string;
    scope: string;
    failures: number;
    window_started_at: string;
    locked_until: string | null;
  };
  web_signup_limit: { key_hash: string; scope: string; signups: number; window_started_at: string };
  web_transactions: {
    item_id: string;
    transaction_id: string;
    user_id: string;
    account_id: string;
    date: string;
    name: string;
    merchant_name: string | null;
    amount: number;
    iso_currency_code: string | null;
    pending: number;
    category: string | null;
  };
}

export type AppDb = Kysely<AppSchema>;

const migrations: Record<string, Migration> = {
  '0001_users_sessions_transactions': {
    async up(db) {
      await db.schema
        .createTable('web_users')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('web_sessions')
        .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('web_sessions_user').on('web_sessions').column('user_id').execute();
      await db.schema
        .createTable('web_transactions')
        .addColumn('item_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('transaction_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('account_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('date', 'varchar(10)', (c) => c.notNull())
        .addColumn('name', 'varchar(512)', (c) => c.notNull())
        .addColumn('merchant_name', 'varchar(512)')
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('iso_currency_code', 'varchar(8)')
        .addColumn('pending', 'integer', (c) => c.notNull())
        .addColumn('category', 'varchar(256)')
        .addPrimaryKeyConstraint('web_transactions_pk', ['item_id', 'transaction_id'])
        .execute();
      await db.schema
        .createIndex('web_transactions_item_date')
        .on('web_transactions')
        .columns(['item_id', 'date', 'transaction_id'])
        .execute();
    },
  },
  '0002_signin_throttle': {
    async up(db) {
      // One row per throttled key (SHA-256 of a normalized email or client address, never
      // the value itself); every instance shares it and a restart keeps it. See signin-throttle.ts.
      await db.schema
        .createTable('web_signin_throttle')
        .addColumn('key_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('scope', 'varchar(16)', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('locked_until', 'varchar(32)')
        .execute();
    },
  },
  '0003_signup_limit': {
    async up(db) {
      // One row for all sign-ups and one per client address (SHA-256, never the address). See signup-limit.ts.
      await db.schema
        .createTable('web_signup_limit')
        .addColumn('key_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('scope', 'varchar(16)', (c) => c.notNull())
        .addColumn('signups', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
  },
};

/**
 * Open the app database at `url` (`sqlite:PATH` or `postgres://...`, read by the
 * vault's own rules: the app's tables sit in the vault's database) and bring its
 * tables up to date. The caller owns the returned handle (`destroy()`).
 */
export async function createAppDb(url: string, opts: { schema?: string } = {}): Promise<AppDb> {
  // ERR_CONFIG_INVALID, naming the variable, for a URL or schema the vault would refuse.
  const { dialect, schema } = parseConfig({ database: { url, ...(opts.schema !== undefined && { schema: opts.schema }) } }, {}).database;
  const pgSchema = dialect === 'postgres' ? schema : undefined;
  const kysely = new Kysely<AppSchema>({ dialect: await dialectFor(dialect, url) });
  // Every table qualified with the schema (no search_path: a pooler in transaction mode shares connections).
  const db = pgSchema ? kysely.withSchema(pgSchema) : kysely;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'web_migration',
    migrationLockTableName: 'web_migration_lock',
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error('The web app database migration failed.', { cause: error });
  }
  await sql`select 1`.execute(db);
  return db;
}

/**
 * PostgreSQL: the vault's dialect, whose migration lock holds no state beyond its
 * transaction, so the app's migrations (run at every start) may go through a
 * pooler in transaction mode as the vault's do.
 */
async function dialectFor(dialect: DatabaseDialect, url: string) {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const database = new Database(sqliteFile(url));
    // The vault opens the same file; WAL plus a busy timeout lets both connections write.
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    return new SqliteDialect({ database });
  }
  const [{ default: pg }, { PoolerSafePostgresDialect }] = await Promise.all([import('pg'), import('plaid-vault/postgres')]);
  return new PoolerSafePostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 5 }) });
}
