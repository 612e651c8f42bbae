/**
 * The app database on both dialects for the auth suites: SQLite in a temp dir
 * and PostgreSQL in a fresh schema, each migrated by the app's own migrator,
 * plus a clock the test moves by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestSchema,
  requireService,
  TEST_POOLED_DATABASE_URL,
  type TestSchema,
} from '../../../../packages/vault/test/helpers/services.js';
import { createAppDb, type AppDb } from '../../src/server/app-database.js';

export interface Backend {
  /** A new connection (pool) to the suite's database, migrated. */
  connect(): Promise<AppDb>;
  close(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-web-auth-'));
  return { connect: () => createAppDb(`sqlite:${join(dir, 'app.db')}`), close: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** `pooled`: the app reaches its schema through PgBouncer in transaction mode (created and dropped direct). */
async function postgresBackend(pooled = false): Promise<Backend> {
  const schema: TestSchema = await createTestSchema('web_auth');
  const url = pooled ? TEST_POOLED_DATABASE_URL : schema.url;
  return { connect: () => createAppDb(url, { schema: schema.schema }), close: () => schema.drop() };
}

/** `[name, ready, make]` for `describe.each`: PostgreSQL is skipped (or required) as the services helper decides. */
export async function appDbBackends(suite: string): Promise<[string, boolean, () => Promise<Backend>][]> {
  const pgReady = await requireService('postgres', suite);
  const pooledReady = await requireService('pgbouncer', `${suite} (through PgBouncer)`);
  return [
    ['SQLite', true, sqliteBackend],
    ['PostgreSQL', pgReady, () => postgresBackend()],
    ['PostgreSQL through PgBouncer', pooledReady, () => postgresBackend(true)],
  ];
}

export interface TwoConnections {
  db: AppDb;
  /** A second pool to the same database: another app instance. */
  other: AppDb;
  close(): Promise<void>;
}

/** A fresh database from `make`, opened twice, as two app instances would hold it. */
export async function openTwoConnections(make: () => Promise<Backend>): Promise<TwoConnections> {
  const backend = await make();
  const db = await backend.connect();
  const other = await backend.connect();
  return {
    db,
    other,
    async close() {
      await db.destroy();
      await other.destroy();
      await backend.close();
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2031-03-01T12:00:00.000Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}
