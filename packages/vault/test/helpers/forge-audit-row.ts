import { auditHash } from '../../src/store/audit-hash.js';

/** Raw insert into audit_events, `?` placeholders in column order (see forgedAuditRow). */
export const INSERT_AUDIT_ROW =
  'insert into audit_events (seq, at, actor, user_id, item_id, action, purpose, outcome, request_id, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * An audit row as someone with write access to the database would forge it:
 * linked to `prevHash` and hashed exactly as the vault hashes (the chain has no
 * key), purpose `forged`. `params` go with INSERT_AUDIT_ROW.
 */
export function forgedAuditRow(seq: number, prevHash: string, at = new Date()): { params: unknown[]; hash: string } {
  const e = {
    seq,
    at,
    actor: 'api',
    userId: 'user-1',
    itemId: 'item-1',
    action: 'token.decrypt',
    purpose: 'forged',
    outcome: 'ok',
    requestId: null,
  };
  const hash = auditHash(prevHash, e);
  return { params: [seq, at.getTime(), e.actor, e.userId, e.itemId, e.action, e.purpose, e.outcome, null, prevHash, hash], hash };
}

/** The same insert as one SQL string, for exec functions that take no parameters (the values are numbers, hex and fixed words). */
export function forgedAuditRowSql(seq: number, prevHash: string): string {
  const { params } = forgedAuditRow(seq, prevHash);
  let i = 0;
  return INSERT_AUDIT_ROW.replace(/\?/g, () => {
    const v = params[i++];
    return v === null ? 'null' : typeof v === 'number' ? String(v) : `'${String(v)}'`;
  });
}
