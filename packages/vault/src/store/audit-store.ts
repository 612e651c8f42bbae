import type { Kysely, Selectable } from 'kysely';
import type { AuditEvent, AuditQuery, AuditVerifyResult, Clock, NewAuditEvent } from '../types.js';
import { GENESIS_HASH, auditBodyTail, auditHash, linkHash } from './audit-hash.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import type { AuditAppend, AuditHead, StoreBackend } from './dialect.js';
import { fromMillis, toMillis } from './time.js';

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
/** Rows per verify page: bounded memory however long the chain. */
const VERIFY_PAGE = 1000;

function toAuditEvent(r: Selectable<AuditEventsTable>): AuditEvent {
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
  await backend.appendAudit((head) => chainEvents(head, stamped, tails));
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
  let q = db.selectFrom('audit_events').selectAll();
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.itemId !== undefined) q = q.where('item_id', '=', query.itemId);
  if (query.since !== undefined) q = q.where('at', '>=', toMillis(query.since));
  if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toAuditEvent);
}

/**
 * Walk the chain in seq order, a page at a time, up to the head as it was when
 * the walk started (later appends are not half-seen), and report the first
 * broken link: a missing seq (`gap`), a prev_hash that is not the previous row's
 * hash (`prev_mismatch`), or a row whose content no longer matches its hash
 * (`hash_mismatch`). Rows cut from the tail show up against the head.
 */
export async function verifyAuditChain(db: Kysely<Database>): Promise<AuditVerifyResult> {
  const head = await db.selectFrom('audit_head').select(['last_seq', 'last_hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const headSeq = Number(head.last_seq);

  let prevHash = GENESIS_HASH;
  let checked = 0;
  while (checked < headSeq) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', checked)
      .where('seq', '<=', headSeq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const e = toAuditEvent(row);
      const expected = checked + 1;
      if (e.seq !== expected) return { ok: false, checked, firstBrokenSeq: expected, reason: 'gap' };
      if (e.prevHash !== prevHash) return { ok: false, checked, firstBrokenSeq: e.seq, reason: 'prev_mismatch' };
      if (auditHash(prevHash, e) !== e.hash) return { ok: false, checked, firstBrokenSeq: e.seq, reason: 'hash_mismatch' };
      prevHash = e.hash;
      checked = e.seq;
    }
  }
  if (checked < headSeq) return { ok: false, checked, firstBrokenSeq: checked + 1, reason: 'gap' };
  if (headSeq > 0 && head.last_hash !== prevHash) return { ok: false, checked, firstBrokenSeq: headSeq, reason: 'hash_mismatch' };
  return { ok: true, checked };
}
