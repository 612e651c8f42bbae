import type { Kysely, Selectable } from 'kysely';
import { AuditChainBlockedError } from '../errors.js';
import type { AuditAnchor, AuditEvent, AuditQuery, NewAuditEvent } from '../types/audit.js';
import type { Clock } from '../types/clock.js';
import { auditBodyTail, linkHash } from './audit-hash.js';
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

export type StampedAuditEvent = NewAuditEvent & { at: Date };

/**
 * A copy of `e` with `at` set (the clock's now if unset), holding exactly the
 * fields the chain stores. Field by field, not a spread: this runs on every
 * audited call, and a spread costs ten times as much.
 */
export function stampAuditEvent(e: NewAuditEvent, clock: Clock): StampedAuditEvent {
  return {
    at: e.at ?? clock.now(),
    actor: e.actor,
    userId: e.userId,
    itemId: e.itemId,
    action: e.action,
    purpose: e.purpose,
    outcome: e.outcome,
    requestId: e.requestId,
  };
}

/**
 * Append `events` to the chain in one transaction, serialised across processes
 * by the dialect's lock on audit_head (see StoreBackend.appendAudit).
 */
export async function appendAuditEvents(backend: StoreBackend, events: NewAuditEvent[], clock: Clock): Promise<void> {
  if (events.length === 0) return;
  // Stamped (and copied) before the lock: the hash covers `at`, and the build
  // must be pure. Each event's hash body is encoded now too, so that the build,
  // which runs with the lock held, only links and hashes.
  const stamped = events.map((e) => stampAuditEvent(e, clock));
  const tails = stamped.map(auditBodyTail);
  try {
    await backend.appendAudit((head) => chainEvents(refuseForeignRows(head), stamped, tails));
  } catch (err) {
    // Under the head's lock only a row the vault did not write can hold the next
    // seq (inserted after the lock's snapshot): the same refusal, never an overwrite.
    if (isUniqueViolation(err)) throw blocked(null, { cause: err });
    throw err;
  }
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

/** Link stamped events onto `head`: seq = last + 1..., each hash over the previous. */
function chainEvents(head: AuditHead, events: StampedAuditEvent[], tails: string[]): AuditAppend {
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  const rows = events.map((e, i) => {
    seq += 1;
    const hash = linkHash(prevHash, seq, tails[i]!);
    const row: AuditEventsTable = {
      seq,
      at: toMillis(e.at),
      actor: e.actor,
      user_id: e.userId,
      item_id: e.itemId,
      action: e.action,
      purpose: e.purpose,
      outcome: e.outcome,
      request_id: e.requestId,
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
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
