/**
 * Two "processes" on one real database, for the store suites: SQLite (a temp
 * file) or PostgreSQL (a schema of its own), plus raw SQL beside the store to
 * tamper with rows the way someone with database access would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createStore, type CreateStoreOptions } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { createTestSchema, requireService, TEST_POOLED_DATABASE_URL } from './services.js';

export interface Harness {
  readonly dialect: 'sqlite' | 'postgres';
  /** What createStore / createVault need to open this database. */
  readonly database: { url: string; schema?: string };
  /** A new store instance on the same database (a "process"). */
  open(opts?: Partial<CreateStoreOptions>): TokenStore;
  /** Raw SQL beside the store, for tampering; `?` placeholders. */
  exec(text: string, params: unknown[]): Promise<void>;
  /** Raw SQL returning rows (bigint columns as numbers). */
  query(text: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

export async function sqliteHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-store-'));
  const file = join(dir, 'nested', 'vault.db');
  const raw: BetterSqlite3.Database[] = [];
  const url = `sqlite:${file}`;
  return {
    dialect: 'sqlite',
    database: { url },
    open: (opts = {}) => createStore({ url, ...opts }),
    async exec(text, params) {
      const db = new BetterSqlite3(file);
      raw.push(db);
      db.prepare(text).run(...params);
    },
    async query(text, params) {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return db.prepare(text).all(...params) as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    async cleanup() {
      for (const db of raw) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** int8 (bigint) as a number: the test rows are small. */
function bigintAsNumber(oid: number): (value: string) => unknown {
  return oid === 20 ? Number : pg.types.getTypeParser(oid);
}

/**
 * A schema of its own. `pooled`: the stores (and `database`) reach it through
 * PgBouncer in transaction mode; the raw SQL beside them and the schema's
 * creation and removal stay direct.
 */
export async function postgresHarness(opts: { pooled?: boolean } = {}): Promise<Harness> {
  const schema = await createTestSchema('store');
  const pool = new pg.Pool({ connectionString: schema.url, max: 1, options: `-c search_path=${schema.schema}` });
  const url = opts.pooled ? TEST_POOLED_DATABASE_URL : schema.url;
  return {
    dialect: 'postgres',
    database: { url, schema: schema.schema },
    open: (opts = {}) => createStore({ url, schema: schema.schema, poolMax: 4, ...opts }),
    async exec(text, params) {
      let i = 0;
      await pool.query(
        text.replace(/\?/g, () => `$${++i}`),
        params,
      );
    },
    async query(text, params) {
      let i = 0;
      const result = await pool.query({
        text: text.replace(/\?/g, () => `$${++i}`),
        values: params,
        types: { getTypeParser: bigintAsNumber },
      });
      return result.rows as Record<string, unknown>[];
    },
    async cleanup() {
      await pool.end();
      await schema.drop();
    },
  };
}

export interface PostgresCase {
  /** 'PostgreSQL' or 'PostgreSQL through PgBouncer': for describe titles. */
  name: string;
  /** Whether the service is up (a missing one is skipped, or fails under REQUIRE_SERVICES=1). */
  ready: boolean;
  make(): Promise<Harness>;
}

/**
 * The PostgreSQL cases a store suite runs: direct, and through PgBouncer in
 * transaction mode (no per-connection state survives a transaction there).
 *
 * @example
 * for (const pgCase of await postgresCases('store contract'))
 *   describe.skipIf(!pgCase.ready)(pgCase.name, () => storeContract(pgCase.name, pgCase.make));
 */
export async function postgresCases(suite: string): Promise<PostgresCase[]> {
  return [
    { name: 'PostgreSQL', ready: await requireService('postgres', `${suite} (PostgreSQL)`), make: () => postgresHarness() },
    {
      name: 'PostgreSQL through PgBouncer',
      ready: await requireService('pgbouncer', `${suite} (PostgreSQL through PgBouncer)`),
      make: () => postgresHarness({ pooled: true }),
    },
  ];
}
