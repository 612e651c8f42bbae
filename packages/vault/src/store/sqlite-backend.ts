import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { loadBetterSqlite3 } from '../drivers/optional-package.js';
import type { ItemStatus } from '../types/items.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import { AUDIT_COLUMNS, ENVELOPE_COLUMNS, OUTSIDE_CHAIN } from './store-backend.js';
import type { AuditAppend, LockedAuditHead, StoreBackend } from './store-backend.js';
import type { EnvelopeRow, RewrapRow } from './types.js';
import { MIGRATION_TABLE } from './migrations/names.js';

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  path: string;
  busyTimeoutMs: number;
}

const ENVELOPE_SQL = `select ${ENVELOPE_COLUMNS} from items where item_id = ?`;
const STATUS_SQL = 'select status from items where item_id = ?';
const HAS_MIGRATION_TABLE_SQL = `select 1 from sqlite_master where type = 'table' and name = '${MIGRATION_TABLE}'`;
const APPLIED_MIGRATIONS_SQL = `select name from ${MIGRATION_TABLE}`;

/**
 * SQLite through better-sqlite3: one connection per store, WAL so readers in
 * other processes never block on the writer, and a busy timeout so writers
 * queue instead of failing at once. better-sqlite3 is imported on first use
 * (every method waits for it; once open, reads take the connection at once).
 */
export function createSqliteBackend(opts: SqliteOptions): StoreBackend {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  let database: BetterSqlite3.Database | undefined;
  const ready = loadBetterSqlite3().then(({ default: Sqlite }) => {
    const opened = new Sqlite(opts.path);
    opened.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    opened.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes under WAL; only an OS crash may lose the last commits.
    opened.pragma('synchronous = NORMAL');
    opened.pragma('foreign_keys = ON');
    database = opened;
    return opened;
  });
  // Observed by every caller; this only keeps an unused failed open quiet.
  ready.catch(() => {});

  let db: Promise<Kysely<Database>> | undefined;
  // Prepared lazily: the tables exist only after migrate(). better-sqlite3 is
  // synchronous and the store never leaves a Kysely transaction open, so these
  // raw statements cannot interleave with one of Kysely's.
  let appendTx: BetterSqlite3.Transaction<(build: (head: LockedAuditHead) => AuditAppend) => void> | undefined;
  let quarantineTx: BetterSqlite3.Transaction<(at: number) => AuditEventsTable[]> | undefined;
  let envelopeStmt: BetterSqlite3.Statement<[string], EnvelopeRow> | undefined;
  let statusStmt: BetterSqlite3.Statement<[string], ItemStatus> | undefined;
  let rewrapTx: BetterSqlite3.Transaction<(rows: readonly RewrapRow[], at: number) => string[]> | undefined;

  return {
    dialect: 'sqlite',
    kysely() {
      db ??= import('./query-builder.js').then((m) => m.openSqliteQueryBuilder(() => ready));
      return db;
    },
    schema: undefined,
    async appliedMigrations() {
      const open = database ?? (await ready);
      // Not prepared once: the table appears with the first migration.
      if (!open.prepare(HAS_MIGRATION_TABLE_SQL).get()) return [];
      return open.prepare<[], string>(APPLIED_MIGRATIONS_SQL).pluck().all();
    },
    async ping() {
      (database ?? (await ready)).prepare('select 1').get();
    },
    async readEnvelope(itemId) {
      const open = database ?? (await ready);
      envelopeStmt ??= open.prepare<[string], EnvelopeRow>(ENVELOPE_SQL);
      return envelopeStmt.get(itemId);
    },
    async readStatus(itemId) {
      const open = database ?? (await ready);
      // pluck: the row is the one column's value, no object per read.
      statusStmt ??= open.prepare<[string], ItemStatus>(STATUS_SQL).pluck();
      return statusStmt.get(itemId);
    },
    async appendAudit(build) {
      appendTx ??= prepareAppend(database ?? (await ready));
      appendTx.immediate(build);
    },
    async quarantineAudit(at) {
      quarantineTx ??= prepareQuarantine(database ?? (await ready));
      return quarantineTx.immediate(at);
    },
    async rewrapTokens(rows, at) {
      rewrapTx ??= prepareRewrap(database ?? (await ready));
      return rewrapTx.immediate(rows, at);
    },
    async close() {
      const builder = await db?.catch(() => undefined);
      await builder?.destroy();
      // Kysely closes the database only if it ever used it; the raw paths may have been the only users.
      const opened = await ready.catch(() => undefined);
      if (opened?.open) opened.close();
    },
  };
}

/** The audit append as one synchronous transaction (see StoreBackend.appendAudit). */
function prepareAppend(database: BetterSqlite3.Database) {
  // max(seq) on the integer primary key reads one end of the b-tree: a row the vault did not write shows up here.
  const readHead = database.prepare<[], { last_seq: number; last_hash: string; max_seq: number | null }>(
    'select last_seq, last_hash, (select max(seq) from audit_events) as max_seq from audit_head where id = 1',
  );
  // Positional, not named: better-sqlite3 then binds without a property lookup per column (a fifth of the insert's time).
  const insert = database.prepare(
    `insert into audit_events (seq, at, actor, user_id, item_id, action, purpose, outcome, request_id, prev_hash, hash)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const moveHead = database.prepare('update audit_head set last_seq = ?, last_hash = ? where id = 1');
  return database.transaction((build: (head: LockedAuditHead) => AuditAppend) => {
    const head = readHead.get();
    if (!head) throw new Error('audit_head is missing: run migrate()');
    const next = build({
      lastSeq: Number(head.last_seq),
      lastHash: head.last_hash,
      maxSeq: head.max_seq === null ? null : Number(head.max_seq),
    });
    for (const r of next.rows) {
      insert.run(r.seq, r.at, r.actor, r.user_id, r.item_id, r.action, r.purpose, r.outcome, r.request_id, r.prev_hash, r.hash);
    }
    moveHead.run(next.head.lastSeq, next.head.lastHash);
  });
}

/** Rows outside 1..head moved to audit_quarantine in one write transaction (see StoreBackend.quarantineAudit). */
function prepareQuarantine(database: BetterSqlite3.Database) {
  const columns = AUDIT_COLUMNS.join(', ');
  const select = database.prepare<[], AuditEventsTable>(`select ${columns} from audit_events where ${OUTSIDE_CHAIN} order by seq`);
  const copy = database.prepare<[number]>(
    `insert into audit_quarantine (${columns}, quarantined_at) select ${columns}, ? from audit_events where ${OUTSIDE_CHAIN}`,
  );
  const remove = database.prepare(`delete from audit_events where ${OUTSIDE_CHAIN}`);
  return database.transaction((at: number) => {
    const rows = select.all();
    copy.run(at);
    remove.run();
    return rows;
  });
}

/** A batch of compare-and-swap re-wraps as one synchronous transaction: one commit for the batch. */
function prepareRewrap(database: BetterSqlite3.Database) {
  const update = database.prepare<[string, Buffer, number, string, number]>(
    'update items set kid = ?, envelope = ?, updated_at = ? where item_id = ? and token_version = ?',
  );
  return database.transaction((rows: readonly RewrapRow[], at: number) => {
    const written: string[] = [];
    for (const row of rows) {
      if (update.run(row.kid, row.envelope, at, row.itemId, row.expectedVersion).changes > 0) written.push(row.itemId);
    }
    return written;
  });
}
