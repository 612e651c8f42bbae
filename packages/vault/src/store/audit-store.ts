import type { Kysely, Selectable } from 'kysely';
import { AuditChainBlockedError } from '../errors.js';
import type { AuditAnchor, AuditEvent, AuditQuery, NewAuditEvent } from '../types/audit.js';
import type { Clock } from '../types/clock.js';
import { auditTail, linkHash } from './audit-hash.js';
import { isUniqueViolation } from './db-errors.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import type { AuditAppend, AuditHead, LockedAuditHead, StoreBackend } from './store-backend.js';
import { fromMillis, toMillis } from './time.js';

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

export function toAuditEvent(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: Number(r.seq),
    at: fromMillis(r.at),
    actor: r.actor,
    userId: r.user_id,
    itemId: r.item_id,
    action: r.action,
    purpose: r.purpose,
    outcome: r.outcome,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Append `events` to the chain in one transaction, serialised across processes
 * by the dialect's lock on audit_head (see StoreBackend.appendAudit).
 */
export async function appendAuditEvents(backend: StoreBackend, events: readonly NewAuditEvent[], clock: Clock): Promise<void> {
  if (events.length === 0) return;
  // Everything but the links is done before the lock: the rows are copied from
  // the events now (the hash covers `at`, stamped here if unset) with each hash
  // body encoded, so the build, run with the lock held, only links and hashes,
  // and touches nothing but this batch's own rows.
  const batch = prepareAuditRows(events, clock);
  try {
    await backend.appendAudit((head) => chainRows(refuseForeignRows(head), batch));
  } catch (err) {
    // Under the head's lock only a row the vault did not write can hold the next
    // seq (inserted after the lock's snapshot): the same refusal, never an overwrite.
    if (isUniqueViolation(err)) throw blocked(null, { cause: err });
    throw err;
  }
}

/** Rows not yet linked (seq, prev_hash and hash are set under the lock) and their hash bodies. */
interface PreparedRows {
  rows: AuditEventsTable[];
  tails: string[];
}

function prepareAuditRows(events: readonly NewAuditEvent[], clock: Clock): PreparedRows {
  const rows = new Array<AuditEventsTable>(events.length);
  const tails = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const at = toMillis(e.at ?? clock.now());
    const row: AuditEventsTable = {
      seq: 0,
      at,
      actor: e.actor,
      user_id: e.userId,
      item_id: e.itemId,
      action: e.action,
      purpose: e.purpose,
      outcome: e.outcome,
      request_id: e.requestId,
      prev_hash: '',
      hash: '',
    };
    rows[i] = row;
    tails[i] = auditTail(at, row.actor, row.user_id, row.item_id, row.action, row.purpose, row.outcome, row.request_id);
  }
  return { rows, tails };
}

/**
 * A row beyond the head was not written by the vault (an insertion, or a
 * restore that does not match). Chaining onto it would adopt it; writing
 * around it would leave it in the chain's way; deleting it destroys evidence.
 * So the append refuses, and keeps refusing, until an operator quarantines it.
 */
function refuseForeignRows(head: LockedAuditHead): LockedAuditHead {
  if (head.maxSeq !== null && head.maxSeq > head.lastSeq) throw blocked(head);
  return head;
}

function blocked(head: LockedAuditHead | null, opts: { cause?: unknown } = {}): Error {
  return new AuditChainBlockedError(undefined, {
    ...opts,
    ...(head && { details: { headSeq: head.lastSeq, maxSeq: head.maxSeq } }),
  });
}

/**
 * Link the prepared rows onto `head`: seq = last + 1..., each hash over the
 * previous. It fills in the batch's own rows, so running it again (on another
 * head) relinks them from scratch.
 */
function chainRows(head: AuditHead, batch: PreparedRows): AuditAppend {
  const { rows, tails } = batch;
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    seq += 1;
    row.seq = seq;
    row.prev_hash = prevHash;
    prevHash = row.hash = linkHash(prevHash, seq, tails[i]!);
  }
  return { rows, head: { lastSeq: seq, lastHash: prevHash } };
}

/** Newest first, filtered; `limit` defaults to 100 and is capped at 1000. */
export async function listAuditEvents(db: Kysely<Database>, query: AuditQuery): Promise<AuditEvent[]> {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT);
  // Only the chain (seq <= head): a row inserted beyond the head is not an event, and verify reports it.
  let q = db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', '<=', (eb) => eb.selectFrom('audit_head').select('last_seq').where('id', '=', 1))
    .where('seq', '>=', 1);
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.itemId !== undefined) q = q.where('item_id', '=', query.itemId);
  if (query.since !== undefined) q = q.where('at', '>=', toMillis(query.since));
  if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toAuditEvent);
}

/** The chain's head as an anchor: its seq and hash, and the time of the event there (null for the empty chain). */
export async function readAuditAnchor(db: Kysely<Database>): Promise<AuditAnchor> {
  const head = await db
    .selectFrom('audit_head as h')
    .leftJoin('audit_events as e', 'e.seq', 'h.last_seq')
    .select(['h.last_seq', 'h.last_hash', 'e.at'])
    .where('h.id', '=', 1)
    .executeTakeFirstOrThrow();
  return { seq: Number(head.last_seq), hash: head.last_hash, at: head.at === null ? null : fromMillis(head.at) };
}

/** Move rows outside the chain to audit_quarantine (see StoreBackend.quarantineAudit); returns them as events. */
export async function quarantineAuditRows(backend: StoreBackend, clock: Clock): Promise<AuditEvent[]> {
  const rows = await backend.quarantineAudit(toMillis(clock.now()));
  return rows.map(toAuditEvent);
}
