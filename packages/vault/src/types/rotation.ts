/** Token rotation and the recovery of rotations a crash left unfinished (`vault.items.rotate*`, `vault.recover`). */

export interface RotateResult {
  itemId: string;
  /** 'rotated' = new token stored; 'relink_required' = token lost at Plaid, item marked; 'skipped' = not due / dry run. */
  outcome: 'rotated' | 'relink_required' | 'skipped';
  tokenVersion: number;
}

export interface RotateDueOptions {
  olderThan: Date;
  concurrency?: number;
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Stop starting rotations: the ones in flight finish and the report so far is returned (`aborted: true`). */
  signal?: AbortSignal;
  /** Items read per page (memory is bounded by it). Default 500, max 10 000. */
  pageSize?: number;
}

export interface RotateDueReport {
  /** Items whose rotation was started (a dry run: items due). */
  considered: number;
  rotated: number;
  relinkRequired: number;
  failed: { itemId: string; code: string }[];
  /** Present when `signal` stopped the run with due items left; the next run (same cutoff) picks them up. */
  aborted?: true;
}

export interface RecoveryReport {
  replayed: number;
  relinkRequired: number;
  alreadyApplied: number;
  remaining: number;
  /**
   * Present when non-zero: records whose item was deleted while its rotation
   * was unfinished; the Item was removed at Plaid with the journaled new token
   * (the only copy) before the record was dropped.
   */
  orphansRemoved?: number;
}
