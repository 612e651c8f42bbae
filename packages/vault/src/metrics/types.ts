/**
 * What the vault records about its own work, kept free of prom-client so the
 * core can accept a recorder without loading a metrics library. The HTTP
 * layer's `createVaultMetrics()` implements it; tests may pass their own.
 */
export interface VaultMetricsRecorder {
  /**
   * One Plaid API call.
   * @param operation The gateway operation, e.g. `accounts.get` or `getAccounts`.
   * @param seconds Wall time of the call.
   * @param errorCode The vault error code (`ERR_PLAID_*`) on failure, `null` on success.
   */
  plaidRequest(operation: string, seconds: number, errorCode: string | null): void;
  /** Finished rotation attempts (`count` of them, default 1). */
  rotation(outcome: RotationOutcome, count?: number): void;
}

export type RotationOutcome = 'rotated' | 'relink_required' | 'skipped' | 'failed';

/** A recorder that drops everything: the default when no metrics are wanted. */
export const noopMetrics: VaultMetricsRecorder = {
  plaidRequest() {},
  rotation() {},
};
