import { createHash } from 'node:crypto';
import type { AuditEvent } from '../types.js';

/** prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = Pick<AuditEvent, 'seq' | 'at' | 'actor' | 'userId' | 'itemId' | 'action' | 'purpose' | 'outcome' | 'requestId'>;

/**
 * sha256(prevHash + "\n" + JSON array of the event's fields). An array, not an
 * object, so the encoding does not depend on key order; `at` as ISO with
 * milliseconds, which is exactly what the store keeps.
 */
export function auditHash(prevHash: string, e: HashedFields): string {
  const body = JSON.stringify([e.seq, e.at.toISOString(), e.actor, e.userId, e.itemId, e.action, e.purpose, e.outcome, e.requestId]);
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}
