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
  return JSON.stringify([e.at.toISOString(), e.actor, e.userId, e.itemId, e.action, e.purpose, e.outcome, e.requestId]).slice(1);
}

/** auditHash from the tail: `[` + seq + `,` + tail is exactly the body's JSON array. */
export function linkHash(prevHash: string, seq: number, tail: string): string {
  return sha256Hex(`${prevHash}\n[${JSON.stringify(seq)},${tail}`);
}
