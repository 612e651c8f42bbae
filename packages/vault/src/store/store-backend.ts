import type { Kysely } from 'kysely';
import type { ItemStatus } from '../types/items.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import type { EnvelopeRow, RewrapRow } from './types.js';

export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The hot-path read, selected with aliases so the driver's row is already an
 * EnvelopeRow (one object, no mapping). `token_version` is an int4 on
 * PostgreSQL and an integer on SQLite: a number on both drivers.
 */
export const ENVELOPE_COLUMNS = 'user_id as "userId", kid, envelope, token_version as "tokenVersion", status';

/** audit_events' columns, in one fixed order (the PostgreSQL append takes one array per column in it). */
export const AUDIT_COLUMNS = [
  'seq',
  'at',
  'actor',
  'user_id',
  'item_id',
  'action',
  'purpose',
  'outcome',
  'request_id',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof AuditEventsTable)[];

/** SQL condition for audit_events rows outside the chain 1..head (rows the vault did not write); `auditHead` is the head table's (qualified) name. */
export const outsideChain = (auditHead: string) => `(seq < 1 or seq > (select last_seq from ${auditHead} where id = 1))`;

export const OUTSIDE_CHAIN = outsideChain('audit_head');

export interface AuditHead {
  lastSeq: number;
  lastHash: string;
}

/**
 * The head as an append reads it under the chain's lock, with the highest seq
 * stored (null when the table is empty). A maxSeq above lastSeq is a row the
 * vault did not write: the append refuses rather than collide with it.
 */
export interface LockedAuditHead extends AuditHead {
  maxSeq: number | null;
}

export interface AuditAppend {
  rows: AuditEventsTable[];
  head: AuditHead;
}

/**
 * What a dialect hands the store: a Kysely instance, opened on first use, plus
 * what a cold start needs without it (the hot reads, the migration check, the
 * audit append) and the few things Kysely cannot express the same way on both
 * (the write lock for the audit chain).
 */
export interface StoreBackend {
  readonly dialect: StoreDialect;
  /** The query builder; the first call imports Kysely (query-builder.ts) and later ones share it. */
  kysely(): Promise<Kysely<Database>>;
  /** PostgreSQL schema holding the tables and Kysely's migration bookkeeping. */
  readonly schema: string | undefined;
  /** Names in Kysely's migration table; empty when the table (or the schema) does not exist yet. */
  appliedMigrations(): Promise<string[]>;
  /** One trivial statement: the database answers. */
  ping(): Promise<void>;
  /** Primary-key read of what opening a token needs, bypassing the query builder. */
  readEnvelope(itemId: string): Promise<EnvelopeRow | undefined>;
  /** Primary-key read of the status alone, prepared like readEnvelope (it runs beside every data call). */
  readStatus(itemId: string): Promise<ItemStatus | undefined>;
  /**
   * Lock the audit head, let `build` chain the new rows onto it, insert them and
   * move the head, all in one transaction. Dialect-specific because the lock is:
   * PostgreSQL locks the head row FOR UPDATE; SQLite runs the whole transaction
   * synchronously under BEGIN IMMEDIATE, so the write lock is never held across
   * an await (another connection in the same thread would otherwise block the
   * event loop in busy_timeout, waiting for a lock only this thread can release).
   */
  appendAudit(build: (head: LockedAuditHead) => AuditAppend): Promise<void>;
  /**
   * Under the same lock as appendAudit, move every row outside 1..head into
   * audit_quarantine (stamped `at`, epoch ms) and return them in seq order.
   */
  quarantineAudit(at: number): Promise<AuditEventsTable[]>;
  /**
   * TokenStore.rewrapTokens for a non-empty batch: one statement (PostgreSQL)
   * or one synchronous transaction (SQLite, for the same reason as appendAudit),
   * CAS per row on token_version. `at` is epoch milliseconds for updated_at.
   */
  rewrapTokens(rows: readonly RewrapRow[], at: number): Promise<string[]>;
  close(): Promise<void>;
}
