/**
 * The admin surface of a vault (`vault.keys`, `vault.import`, `vault.doctor`):
 * what the CLI's rekey, retire-key, import and doctor print, as values.
 */
import type { Secret } from '../crypto/secret.js';

/** Rows per kid (`vault.keys.usage()`). */
export interface KidUsage {
  kid: string;
  rows: number;
  /** The kid that new writes use. */
  active: boolean;
  /** False when rows name a kid the keyring no longer has: they cannot be opened. */
  inKeyring: boolean;
}

/**
 * - `done`: every L2 entry outside the keep-set is gone.
 * - `interrupted`: stopped by the signal between pages; run it again.
 * - `skipped`: Redis (or the KV) did not answer; nothing was swept.
 * - `incomplete`: Redis failed part way; the counts say how far the sweep got.
 * - `disabled`: no L2 configured, so there is nothing to sweep.
 */
export type CacheSweepStatus = 'done' | 'interrupted' | 'skipped' | 'incomplete' | 'disabled';

/** The L2 sweep after a key change: entries sealed under kids outside `keep` are dropped. */
export interface CacheSweep {
  status: CacheSweepStatus;
  /** The kids whose entries were kept. */
  keep: string[];
  scanned: number;
  purged: number;
  /** Set when Redis failed (`skipped`, `incomplete`). */
  code?: 'ERR_CACHE_UNAVAILABLE';
}

export interface RekeyOptions {
  /** Rows read per page (memory is bounded by this). Default 500. */
  batch?: number;
  /** Concurrent row writes within a page. Default 8. */
  concurrency?: number;
  /** Rows handled so far, of the rows not under the active kid when the run started. */
  onProgress?(done: number, total: number): void;
  /** Stop between pages; the next run picks up what is left. */
  signal?: AbortSignal;
}

export interface RekeyReport {
  activeKid: string;
  /** Rows not under the active kid when the run started. */
  total: number;
  rewrapped: number;
  /** Rows that changed under us and needed the active kid anyway (rotated meanwhile) or were deleted. */
  skipped: number;
  /** Rows that could not be re-wrapped: how many. */
  failedCount: number;
  /** The first 1,000 of them, with their error code (a million rows under a lost key must not mean a million entries). */
  failed: { itemId: string; code: string }[];
  /** True when stopped by the signal before the scan ended. */
  interrupted: boolean;
}

/** `vault.keys.rekey()`: the run, then the L2 sweep to the active kid and the rows per kid after it. */
export interface RekeyResult extends RekeyReport {
  kids: KidUsage[];
  cacheSweep: CacheSweep;
}

/** `vault.keys.retire(kid)`: no row is under `kid`; keep these kids, in this order. */
export interface RetireResult {
  kid: string;
  rows: 0;
  /** The kids to keep in VAULT_KEYS, in order (first stays active). Kids only: never key bytes. */
  keep: string[];
  cacheSweep: CacheSweep;
}

/** One token to import, with where it came from (a line of JSON lines, a row of a query). */
export interface ImportRecord {
  line: number;
  userId: string;
  itemId: string;
  accessToken: Secret;
}

/** A line or row that cannot be imported; `reason` names the problem, never the content. */
export interface RejectedLine {
  line: number;
  reason: string;
}

/** What the readers (`readJsonLines`, `readPostgres`) yield: a checked record, or a rejected line. */
export type ImportInput = { ok: true; record: ImportRecord } | ({ ok: false } & RejectedLine);

/**
 * What `vault.import` takes per entry: a reader's output, or plain fields
 * (checked like a reader's; `line` defaults to the entry's 1-based position).
 */
export type ImportSourceEntry = ImportInput | { userId: unknown; itemId: unknown; accessToken: unknown; line?: number };

export interface ImportReport {
  read: number;
  imported: number;
  skipped: number;
  invalid: number;
  /** The first 1000 skipped and invalid lines, with reasons (never content). */
  skippedLines: (RejectedLine & { itemId: string })[];
  invalidLines: RejectedLine[];
  /** True when stopped by the signal (between records) before the source ended. */
  interrupted: boolean;
}

export interface ImportOptions {
  /** Check each token with Plaid `/item/get` first: a dead token, or one of another item id, is invalid. */
  verify?: boolean;
  /** After each record, the counts so far. */
  onProgress?(progress: Pick<ImportReport, 'read' | 'imported' | 'skipped' | 'invalid'>): void;
  /** Stop between records; what was imported stays (a second run skips it). */
  signal?: AbortSignal;
}

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One doctor line: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  /** The action that turns a warn or fail into a pass; absent on a pass. */
  fix?: string;
}

/** `vault.doctor()`: `ok` unless a check fails (warnings alone leave it true). */
export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}
