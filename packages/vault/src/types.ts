/**
 * Public types shared across the vault's modules. Internal interfaces that
 * modules implement (TokenStore, TokenCache, ...) live next to their
 * implementations and are re-exported here where the public API needs them.
 */

export type ItemStatus = 'active' | 'login_required' | 'pending_expiration' | 'revoked' | 'relink_required';

export const ITEM_STATUSES: readonly ItemStatus[] = ['active', 'login_required', 'pending_expiration', 'revoked', 'relink_required'];

/** The most any response says about an item. Never a token. */
export interface ItemSummary {
  itemId: string;
  institutionId: string | null;
  institutionName: string | null;
  status: ItemStatus;
  products: string[];
  createdAt: Date;
  rotatedAt: Date | null;
}

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

export type AuditVerifyResult =
  { ok: true; checked: number } | { ok: false; checked: number; firstBrokenSeq: number; reason: 'hash_mismatch' | 'prev_mismatch' | 'gap' };

/** Injected time source (tests move it). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Minimal structured logger (pino-compatible). Never pass a token to it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
