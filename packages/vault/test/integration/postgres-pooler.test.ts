/**
 * What only a transaction-mode pooler shows about migrations: several instances
 * starting at once on a fresh schema through PgBouncer, each running migrate().
 * Kysely's own PostgreSQL migrator locks with a session-level advisory lock
 * outside its transaction; through the pooler that lock lands on whichever
 * server connection is free (a second migrator may get the same one and "hold"
 * the lock too, and the unlock may miss it and leave it held). The vault's
 * lock is taken inside the migration transaction. The rest of the store runs
 * through PgBouncer in the store contract and the other suites.
 *
 * A lock left held shows as the next round never finishing (the test times
 * out): pg_locks cannot tell, since the key is database-wide and other
 * processes migrating other schemas of the same database hold it briefly.
 * Seen: with Kysely's stock PostgresDialect in the store, this test timed out.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { createTestSchema, requireService, TEST_DATABASE_URL, TEST_POOLED_DATABASE_URL, type TestSchema } from '../helpers/services.js';

const pooledReady = await requireService('pgbouncer', 'migrations through PgBouncer');

const INSTANCES = 6;

describe.skipIf(!pooledReady)('migrations through PgBouncer in transaction mode', () => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });

  it(`${INSTANCES} instances migrating one fresh schema at once, three rounds: all succeed, each migration is applied once`, async () => {
    for (let round = 0; round < 3; round++) {
      const schema = await createTestSchema('pooler');
      schemas.push(schema);
      const stores: TokenStore[] = Array.from({ length: INSTANCES }, () =>
        createStore({ url: TEST_POOLED_DATABASE_URL, schema: schema.schema, poolMax: 2 }),
      );
      try {
        const results = await Promise.allSettled(stores.map((s) => s.migrate()));
        expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason.cause ?? r))).toEqual(
          [],
        );
        const status = await stores[0]!.migrationStatus();
        expect(status.length).toBeGreaterThan(0);
        expect(status.every((m) => m.executedAt !== null)).toBe(true);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
      const direct = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await direct.connect();
      try {
        const applied = await direct.query(`select name from "${schema.schema}".kysely_migration order by name`);
        expect(applied.rows.map((r: { name: string }) => r.name)).toEqual(['0001_init', '0002_audit_quarantine']);
      } finally {
        await direct.end();
      }
    }
  });
});
