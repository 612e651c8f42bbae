import type { AuditAnchor, AuditEvent, AuditQuery, AuditVerifyOptions, AuditVerifyResult, NewAuditEvent } from '../types/audit.js';
import type { ItemStatus } from '../types/items.js';

/** A full items row. `envelope` is the sealed token (see crypto/envelope.ts); `kid` mirrors the envelope's kid for rekey scans. */
export interface ItemRow {
  itemId: string;
  userId: string;
  institutionId: string | null;
  institutionName: string | null;
  products: string[];
  status: ItemStatus;
  kid: string;
  envelope: Buffer;
  tokenVersion: number;
  syncCursor: string | null;
  needsSync: boolean;
  rotationLeaseOwner: string | null;
  rotationLeaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  rotatedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface NewItemRow {
  itemId: string;
  userId: string;
  institutionId: string | null;
  institutionName: string | null;
  products: string[];
  kid: string;
  envelope: Buffer;
  status?: ItemStatus;
}

/** The hot-path read: only what opening a token needs. */
export interface EnvelopeRow {
  userId: string;
  kid: string;
  envelope: Buffer;
  tokenVersion: number;
  status: ItemStatus;
}

export interface ItemFilter {
  userId?: string;
  status?: ItemStatus;
  /** Items whose token was last rotated (or created, if never rotated) before this. */
  rotatedBefore?: Date;
  /** Keyset paging by item id. */
  afterItemId?: string;
  /** Rows per call, in item id order: default 1000, capped at 10 000. */
  limit?: number;
}

export interface ItemPatch {
  status?: ItemStatus;
  syncCursor?: string | null;
  needsSync?: boolean;
  institutionId?: string | null;
  institutionName?: string | null;
  lastUsedAt?: Date;
}

/** One row of a batched re-wrap (rekey). */
export interface RewrapRow {
  itemId: string;
  expectedVersion: number;
  kid: string;
  envelope: Buffer;
}

export interface MigrationState {
  name: string;
  executedAt: Date | null;
}

/**
 * The items: rows, their sealed tokens (compare-and-swap), statuses and the
 * rotation lease. What the features read and write through VaultContext.
 */
export interface ItemStore {
  /** Insert; ERR_STORE_CONFLICT if the item id exists. */
  insertItem(row: NewItemRow, now: Date): Promise<void>;
  getItem(itemId: string): Promise<ItemRow | undefined>;
  getEnvelope(itemId: string): Promise<EnvelopeRow | undefined>;
  /**
   * The item's status alone: one primary-key read (a prepared statement on both
   * dialects). A successful data call reads it while Plaid answers, to repair
   * `login_required` (DECISIONS 29).
   */
  getItemStatus(itemId: string): Promise<ItemStatus | undefined>;
  listItems(filter: ItemFilter): Promise<ItemRow[]>;
  countItems(filter?: Pick<ItemFilter, 'userId' | 'status'>): Promise<number>;
  /** Counts of rows per kid (rekey progress, retire-key guard, doctor). */
  countByKid(): Promise<Record<string, number>>;

  /**
   * Compare-and-swap the token: succeeds only when token_version equals
   * `expectedVersion`; sets kid, envelope, token_version+1, rotated_at (when
   * `rotated`), updated_at. Returns the new version. ERR_STORE_CONFLICT on a lost race
   * or a missing row.
   */
  swapToken(
    itemId: string,
    expectedVersion: number,
    next: { kid: string; envelope: Buffer; rotated: boolean; status?: ItemStatus },
    now: Date,
  ): Promise<number>;

  /** Re-wrap only (rekey): CAS on token_version, does not bump it. Returns false on a lost race. */
  rewrapToken(itemId: string, expectedVersion: number, next: { kid: string; envelope: Buffer }, now: Date): Promise<boolean>;

  /**
   * Optional batched form of rewrapToken for rekey: one statement (one commit)
   * per page instead of one per row, each row still CAS on token_version.
   * Returns the item ids written; the others lost their race. Without it,
   * rekey falls back to rewrapToken per row, which is bound by one commit
   * (WAL fsync) per row.
   */
  rewrapTokens?(rows: readonly RewrapRow[], now: Date): Promise<string[]>;

  updateItem(itemId: string, patch: ItemPatch, now: Date): Promise<boolean>;

  /**
   * Compare-and-set the status in one conditional UPDATE: writes `to` (and
   * updated_at) only while the row's status differs from `to` and, when `from`
   * is given, is one of `from`. True when this call changed the row, so of
   * writers racing for the same change exactly one gets true (the one to audit
   * it). A missing row, or an empty `from`, is false.
   */
  changeStatus(itemId: string, change: { to: ItemStatus; from?: readonly ItemStatus[] }, now: Date): Promise<boolean>;

  /** Conditional lease: true if taken (free, expired, or already ours). */
  acquireLease(itemId: string, owner: string, until: Date, now: Date): Promise<boolean>;
  releaseLease(itemId: string, owner: string): Promise<void>;

  deleteItem(itemId: string): Promise<boolean>;
}

/** The hash-chained audit log (audit/audit-log.ts writes it; verify and the doctor read it). */
export interface AuditStore {
  /**
   * Append to the hash chain (serialised across processes). ERR_AUDIT_CHAIN_BLOCKED
   * while rows the vault did not write sit beyond the head (see quarantineAudit).
   */
  appendAudit(events: NewAuditEvent[]): Promise<void>;
  /** Events of the chain (seq 1..head), newest first. */
  listAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /** Walk the chain in seq order and report the first problem (store/audit-verify.ts), against `anchor` when given. */
  verifyAudit(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** The head to keep outside the database: seq, hash and the time of the event there. */
  auditHead(): Promise<AuditAnchor>;
  /** The lowest seq of a row outside 1..head, if any: two index probes (doctor). */
  auditRowOutsideChain(): Promise<number | undefined>;
  /**
   * Move the rows outside 1..head into audit_quarantine, under the chain's lock,
   * and return them: the operator's way to unblock appends without deleting evidence.
   */
  quarantineAudit(): Promise<AuditEvent[]>;
}

/** Small expiring markers: recovery bookkeeping, the webhook replay guard, saved webhook keys, CLI resume state. */
export interface MarkerStore {
  /** Insert, or take over an expired marker; true when this call now holds it. */
  putMarker(key: string, value: string, expiresAt: Date | null): Promise<boolean>;
  getMarker(key: string): Promise<string | undefined>;
  deleteMarker(key: string): Promise<void>;
}

/** The database itself: its dialect, schema migrations, reachability and lifetime. */
export interface StoreLifecycle {
  readonly dialect: 'sqlite' | 'postgres';

  migrate(): Promise<void>;
  migrationStatus(): Promise<MigrationState[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Persistence for items, the audit log and markers: what createStore returns,
 * one object implementing the three stores, so that each consumer can depend
 * on the one it uses (the features on ItemStore and MarkerStore, the audit log
 * on AuditStore). Implemented once over Kysely for SQLite and PostgreSQL
 * (store/kysely-store.ts); the contract suite in
 * test/integration/store-contract.test.ts runs against both.
 *
 * Conventions: a missing row is `undefined` / `false`, never an exception; a
 * lost compare-and-swap throws ERR_STORE_CONFLICT; a connection failure throws
 * ERR_STORE_UNAVAILABLE (cause attached, message fixed).
 */
export interface TokenStore extends ItemStore, AuditStore, MarkerStore, StoreLifecycle {}
