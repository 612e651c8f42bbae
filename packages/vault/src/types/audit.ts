/** The audit log's events, queries, verification and state (`vault.audit`). */

export type AuditAction =
  | 'token.decrypt'
  | 'item.put'
  | 'item.link'
  | 'item.delete'
  | 'item.rotate'
  | 'item.remove'
  | 'item.status'
  | 'item.relink_required'
  | 'key.rekey'
  | 'webhook.received'
  | 'recovery.replay'
  | (string & {});

export type AuditOutcome = 'ok' | 'denied' | 'error' | (string & {});

/** One audit row. Never a token, never call arguments. */
export interface AuditEvent {
  seq: number;
  at: Date;
  actor: string;
  userId: string | null;
  itemId: string | null;
  action: AuditAction;
  purpose: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'seq' | 'at' | 'prevHash' | 'hash'> & { at?: Date };

export interface AuditQuery {
  userId?: string;
  itemId?: string;
  since?: Date;
  /** Newest first; default 100, max 1000. */
  limit?: number;
  /** Return events with seq lower than this (paging backwards). */
  beforeSeq?: number;
}

/**
 * Why a chain does not verify. `gap`, `prev_mismatch` and `hash_mismatch` are
 * broken links up to the head; `beyond_head` and `before_genesis` are rows
 * outside 1..head (inserted: the vault never writes them); `anchor_missing`
 * (the chain is shorter than the anchor: a cut tail) and `anchor_mismatch`
 * (another row at the anchor's seq: a rewritten chain) need an anchor kept
 * outside the database.
 */
export type AuditVerifyReason =
  'hash_mismatch' | 'prev_mismatch' | 'gap' | 'beyond_head' | 'before_genesis' | 'anchor_missing' | 'anchor_mismatch';

export type AuditVerifyResult =
  { ok: true; checked: number } | { ok: false; checked: number; firstBrokenSeq: number; reason: AuditVerifyReason };

/**
 * A point of the chain to keep outside the database (`vault.audit.head()`,
 * `plaid-vault audit anchor`): `verify({ anchor })` then proves the chain
 * still holds this exact (seq, hash) and extends it. `at` is the anchored
 * event's time (null for the empty chain), for the reader only.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
  at: Date | null;
}

export interface AuditVerifyOptions {
  /** An anchor exported earlier; only `seq` and `hash` are compared. */
  anchor?: Pick<AuditAnchor, 'seq' | 'hash'>;
}

/** `buffered`: token use never waits for the audit log. `strict`: a token is used only once its event is committed. */
export type AuditMode = 'buffered' | 'strict';

/** The audit log's state, read at every metrics scrape (`plaid_vault_audit_*`). */
export interface AuditStats {
  mode: AuditMode;
  /** Events recorded and not yet written: the buffer plus the batch being written. */
  pending: number;
  /** How long the oldest pending event has waited, by its `at` (0 when none). */
  oldestPendingSeconds: number;
  /** From a failed append (or, in strict mode, an event not committed in time) until an append succeeds. */
  failing: boolean;
  /** The last failure's code while failing (`ERR_STORE_UNAVAILABLE`, `ERR_AUDIT_CHAIN_BLOCKED`, `timeout`...), else null. */
  lastErrorCode: string | null;
  /** Failed append attempts since start. */
  appendFailures: number;
  /** Events dropped since start: the oldest beyond the buffer's bound during an outage, or recorded after close. */
  dropped: number;
  /** Strict mode: token uses refused with ERR_AUDIT_UNAVAILABLE since start. */
  refused: number;
}
