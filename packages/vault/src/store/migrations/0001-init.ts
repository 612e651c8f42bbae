import { sql, type Kysely, type Migration } from 'kysely';
import { GENESIS_HASH } from '../audit-hash.js';
import type { StoreDialect } from '../store-backend.js';

/**
 * The initial schema. Column types differ per dialect only where they must:
 * `bytea`/`blob` for the envelope, `bigint` for epoch-ms timestamps on
 * PostgreSQL (SQLite's `integer` is already 64-bit), and `collate "C"` on
 * PostgreSQL ids so keyset paging orders bytes the same way SQLite does.
 */
export function initMigration(dialect: StoreDialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? sql`text collate "C"` : sql`text`;
  const blob = pg ? 'bytea' : 'blob';
  const ms = pg ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('items')
        .ifNotExists()
        .addColumn('item_id', id, (c) => c.primaryKey())
        .addColumn('user_id', id, (c) => c.notNull())
        .addColumn('institution_id', 'text')
        .addColumn('institution_name', 'text')
        .addColumn('products', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('envelope', blob, (c) => c.notNull())
        .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('sync_cursor', 'text')
        .addColumn('needs_sync', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rotation_lease_owner', 'text')
        .addColumn('rotation_lease_until', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addColumn('rotated_at', ms)
        .addColumn('last_used_at', ms)
        .execute();
      await db.schema.createIndex('items_user_id_idx').ifNotExists().on('items').column('user_id').execute();
      await db.schema.createIndex('items_kid_idx').ifNotExists().on('items').column('kid').execute();

      await db.schema
        .createTable('audit_events')
        .ifNotExists()
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.primaryKey())
        .addColumn('at', ms, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('item_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_user_idx').ifNotExists().on('audit_events').columns(['user_id', 'seq']).execute();
      await db.schema.createIndex('audit_events_item_idx').ifNotExists().on('audit_events').columns(['item_id', 'seq']).execute();

      await db.schema
        .createTable('audit_head')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('last_seq', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .execute();
      // Through the builder, not raw SQL: the store's Kysely instance qualifies builder tables with its schema.
      await (db as Kysely<{ audit_head: { id: number; last_seq: number; last_hash: string } }>)
        .insertInto('audit_head')
        .values({ id: 1, last_seq: 0, last_hash: GENESIS_HASH })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();

      await db.schema
        .createTable('markers')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', ms)
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['markers', 'audit_head', 'audit_events', 'items']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
