/**
 * Table shapes as Kysely sees them. Timestamps are integer epoch milliseconds on
 * both dialects (see time.ts); PostgreSQL's bigint comes back as a string, hence
 * `number | string` on reads.
 */
type Millis = number | string;
type BigId = number | string;

export interface ItemsTable {
  item_id: string;
  user_id: string;
  institution_id: string | null;
  institution_name: string | null;
  /** JSON array text. */
  products: string;
  status: string;
  kid: string;
  envelope: Buffer;
  token_version: number;
  sync_cursor: string | null;
  /** 0 | 1 on both dialects. */
  needs_sync: number;
  rotation_lease_owner: string | null;
  rotation_lease_until: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  rotated_at: Millis | null;
  last_used_at: Millis | null;
}

export interface AuditEventsTable {
  seq: BigId;
  at: Millis;
  actor: string;
  user_id: string | null;
  item_id: string | null;
  action: string;
  purpose: string | null;
  outcome: string;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** Rows moved out of audit_events by `audit quarantine` (outside 1..head), with when. */
export interface AuditQuarantineTable extends AuditEventsTable {
  quarantined_at: Millis;
}

/** One row (id = 1): the chain's tip, locked while appending. */
export interface AuditHeadTable {
  id: number;
  last_seq: BigId;
  last_hash: string;
}

export interface MarkersTable {
  key: string;
  value: string;
  expires_at: Millis | null;
}

export interface Database {
  items: ItemsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_quarantine: AuditQuarantineTable;
  markers: MarkersTable;
}
