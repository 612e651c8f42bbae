import type { Kysely } from 'kysely';
import { InputInvalidError } from '../errors.js';
import type { AuditVerifyOptions, AuditVerifyResult } from '../types/audit.js';
import { GENESIS_HASH, auditHash } from './audit-hash.js';
import { toAuditEvent } from './audit-store.js';
import type { Database } from './db-schema.js';

/** Rows per verify page: bounded memory however long the chain. */
const VERIFY_PAGE = 1000;
const HASH = /^[0-9a-f]{64}$/;

/**
 * Walk the chain in seq order, a page at a time, up to the head as it was when
 * the walk started (later appends are not half-seen), and report the first
 * problem by seq:
 * - a row below seq 1 (`before_genesis`);
 * - a broken link up to the head: a missing seq (`gap`, also a tail cut below
 *   the head), a prev_hash that is not the previous row's hash
 *   (`prev_mismatch`), a row whose content no longer matches its hash, or a
 *   head that does not match its row (`hash_mismatch`);
 * - a row beyond the head (`beyond_head`): never written by the vault;
 * - with an anchor: the row at the anchor's seq holds another hash
 *   (`anchor_mismatch`: the chain was rewritten) or the chain stops before it
 *   (`anchor_missing`: its tail was cut and the head rewritten to match, which
 *   nothing inside the database can show).
 */
export async function verifyAuditChain(db: Kysely<Database>, opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const anchor = opts.anchor && checkAnchor(opts.anchor);
  const head = await db.selectFrom('audit_head').select(['last_seq', 'last_hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const headSeq = Number(head.last_seq);
  // Judged against the head as it is now, in one statement: an append moves its
  // rows and the head in one transaction, so a concurrent append never looks
  // like an insertion, whatever it did since `head` was read.
  const outside = await firstRowOutsideChain(db);
  if (outside !== undefined && outside < 1) return { ok: false, checked: 0, firstBrokenSeq: outside, reason: 'before_genesis' };
  if (anchor?.seq === 0 && anchor.hash !== GENESIS_HASH) return { ok: false, checked: 0, firstBrokenSeq: 0, reason: 'anchor_mismatch' };

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
      if (e.seq === anchor?.seq && e.hash !== anchor.hash) return { ok: false, checked, firstBrokenSeq: e.seq, reason: 'anchor_mismatch' };
      prevHash = e.hash;
      checked = e.seq;
    }
  }
  if (checked < headSeq) return { ok: false, checked, firstBrokenSeq: checked + 1, reason: 'gap' };
  if (headSeq > 0 && head.last_hash !== prevHash) return { ok: false, checked, firstBrokenSeq: headSeq, reason: 'hash_mismatch' };
  if (outside !== undefined) return { ok: false, checked, firstBrokenSeq: outside, reason: 'beyond_head' };
  if (anchor && headSeq < anchor.seq) return { ok: false, checked, firstBrokenSeq: headSeq + 1, reason: 'anchor_missing' };
  return { ok: true, checked };
}

/**
 * The lowest seq outside 1..head, if any: two probes of the primary key's index
 * (an `or` in one scan could walk the whole table), in one statement so both
 * see the same snapshot as the head they compare with.
 */
export async function firstRowOutsideChain(db: Kysely<Database>): Promise<number | undefined> {
  // Built, not raw SQL, so that the store's schema qualifies the tables.
  const row = await db
    .selectFrom('audit_head as h')
    .select((eb) => [
      eb
        .selectFrom('audit_events')
        .select((e) => e.fn.min('seq').as('m'))
        .where('seq', '<', 1)
        .as('below'),
      eb
        .selectFrom('audit_events')
        .select((e) => e.fn.min('seq').as('m'))
        .whereRef('seq', '>', 'h.last_seq')
        .as('beyond'),
    ])
    .where('h.id', '=', 1)
    .executeTakeFirst();
  const found = row?.below ?? row?.beyond ?? null;
  return found === null ? undefined : Number(found);
}

function checkAnchor(anchor: { seq: number; hash: string }): { seq: number; hash: string } {
  if (!Number.isSafeInteger(anchor.seq) || anchor.seq < 0 || typeof anchor.hash !== 'string' || !HASH.test(anchor.hash)) {
    throw new InputInvalidError('An audit anchor is { seq, hash }: a whole number >= 0 and 64 lowercase hex characters.');
  }
  return anchor;
}
