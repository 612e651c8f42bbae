/**
 * The start-up migration check (TokenStore.migrate, run by createVault): one
 * raw read of the applied migration names, and Kysely's migrator only when one
 * is missing. Whether the migrator ran is read from the database itself: on
 * entry it re-creates its lock table (kysely_migration_lock), so a lock table
 * dropped beforehand stays gone only if the migrator was not entered.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../../src/store/migrations/names.js';
import { createVault } from '../../src/vault.js';
import { postgresCases, sqliteHarness, type Harness } from '../helpers/store-harness.js';

const pgCases = await postgresCases('migration check');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const LOCK_TABLE = 'kysely_migration_lock';

function migrationCheck(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`${name}: the start-up migration check`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(() => h.cleanup());

    const openAndClose = async () => {
      const vault = await createVault({ database: h.database, keys: KEYS, redis: null, logLevel: 'silent' });
      await vault.close();
    };
    const applied = async () => (await h.query('select name from kysely_migration order by name', [])).map((r) => r.name);
    const tableExists = async (table: string) => {
      const rows =
        h.dialect === 'sqlite'
          ? await h.query(`select name from sqlite_master where type = 'table' and name = ?`, [table])
          : await h.query('select tablename from pg_catalog.pg_tables where schemaname = current_schema() and tablename = ?', [table]);
      return rows.length === 1;
    };

    it('migrates a fresh database at open', async () => {
      // A fresh SQLite database is a file not yet created; a fresh PostgreSQL one a schema with no tables.
      if (h.dialect === 'postgres') expect(await tableExists('kysely_migration')).toBe(false);
      await openAndClose();
      expect(await applied()).toEqual([...MIGRATION_NAMES]);
      for (const table of ['items', 'audit_events', 'audit_head', 'audit_quarantine', LOCK_TABLE]) {
        expect(await tableExists(table), table).toBe(true);
      }
    });

    it('does not enter the migrator when every migration is applied', async () => {
      await openAndClose();
      await h.exec(`drop table ${LOCK_TABLE}`, []);
      await openAndClose();
      expect(await tableExists(LOCK_TABLE)).toBe(false);
      expect(await applied()).toEqual([...MIGRATION_NAMES]);
    });

    it('applies the last migration when only it is missing', async () => {
      await openAndClose();
      const last = MIGRATION_NAMES.at(-1)!;
      await h.exec('drop table audit_quarantine', []);
      await h.exec('delete from kysely_migration where name = ?', [last]);
      await h.exec(`drop table ${LOCK_TABLE}`, []);
      await openAndClose();
      expect(await applied()).toEqual([...MIGRATION_NAMES]);
      expect(await tableExists('audit_quarantine')).toBe(true);
      // The migrator ran (and re-created its lock table): the same observable as above, seen from the other side.
      expect(await tableExists(LOCK_TABLE)).toBe(true);
    });

    it('leaves a migration this version does not know to the migrator, which refuses to start as before', async () => {
      await openAndClose();
      await h.exec('insert into kysely_migration (name, timestamp) values (?, ?)', ['9999_from_a_newer_version', new Date().toISOString()]);
      await h.exec(`drop table ${LOCK_TABLE}`, []);
      await expect(openAndClose()).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
      expect(await tableExists(LOCK_TABLE)).toBe(true);
    });
  });
}

migrationCheck('SQLite', sqliteHarness);
for (const pgCase of pgCases) describe.skipIf(!pgCase.ready)(pgCase.name, () => migrationCheck(pgCase.name, pgCase.make));
