import * as crypto from 'node:crypto';
import type { AuditEvent } from '../types/audit.js';

/** prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = Pick<AuditEvent, 'seq' | 'at' | 'actor' | 'userId' | 'itemId' | 'action' | 'purpose' | 'outcome' | 'requestId'>;

// One-shot crypto.hash (Node >= 20.12) skips the Hash object: about a quarter
// cheaper per event, and every append and verify hashes every event.
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * sha256(prevHash + "\n" + JSON array of the event's fields). An array, not an
 * object, so the encoding does not depend on key order; `at` as ISO with
 * milliseconds, which is exactly what the store keeps.
 */
export function auditHash(prevHash: string, e: HashedFields): string {
  return linkHash(prevHash, e.seq, auditBodyTail(e));
}

/**
 * The JSON array of auditHash's body without its first element (`seq`) and
 * opening bracket. It does not depend on the event's place in the chain, so an
 * append encodes it before taking the chain's lock, and only linkHash runs
 * while the lock is held.
 */
export function auditBodyTail(e: Omit<HashedFields, 'seq'>): string {
  return auditTail(e.at.getTime(), e.actor, e.userId, e.itemId, e.action, e.purpose, e.outcome, e.requestId);
}

/**
 * auditBodyTail from the fields, `at` in epoch milliseconds: byte for byte
 * `JSON.stringify([iso(at), actor, ...]).slice(1)` (a unit test compares the
 * two on random input), at about a third of its cost. Every event is encoded
 * once when appended and once per verify.
 */
export function auditTail(
  at: number,
  actor: string,
  userId: string | null,
  itemId: string | null,
  action: string,
  purpose: string | null,
  outcome: string,
  requestId: string | null,
): string {
  return `"${isoOf(at)}",${jsonValue(actor)},${jsonValue(userId)},${jsonValue(itemId)},${jsonValue(action)},${jsonValue(purpose)},${jsonValue(outcome)},${jsonValue(requestId)}]`;
}

/** auditHash from the tail: `[` + seq + `,` + tail is exactly the body's JSON array. */
export function linkHash(prevHash: string, seq: number, tail: string): string {
  return sha256Hex(`${prevHash}\n[${JSON.stringify(seq)},${tail}`);
}

/** Printable ASCII but `"` and `\`: the strings JSON.stringify writes as they are, between quotes. */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** One array element as JSON.stringify writes it: ids, actions and purposes are almost always VERBATIM. */
function jsonValue(v: unknown): string {
  if (typeof v === 'string' && VERBATIM.test(v)) return `"${v}"`;
  // As an array element: undefined (and functions, symbols) become null.
  return JSON.stringify(v) ?? 'null';
}

// Events come in runs stamped within the same millisecond (a batch holds
// hundreds), and toISOString costs as much as the rest of the encoding.
let lastMs = Number.NaN;
let lastIso = '';

function isoOf(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString(); // throws RangeError on an invalid time, as toISOString always did
    lastMs = ms;
  }
  return lastIso;
}
