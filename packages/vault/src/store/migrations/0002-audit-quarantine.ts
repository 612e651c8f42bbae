import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store-backend.js';

/**
 * `audit_quarantine`: where `plaid-vault audit quarantine` moves audit rows the
 * vault did not write (outside 1..head), so that appends resume without
 * deleting evidence. The columns of audit_events plus when they were moved; no
 * key: the same seq may be forged, and quarantined, more than once.
 */
export function auditQuarantineMigration(dialect: StoreDialect): Migration {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_quarantine')
        .ifNotExists()
        .addColumn('seq', big, (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('item_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('quarantined_at', big, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_quarantine').ifExists().execute();
    },
  };
}
