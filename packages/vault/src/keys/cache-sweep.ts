import { purgeKids, type PurgeKidsClient } from '../cache/purge-kids.js';
import { isVaultError } from '../errors.js';

/**
 * - `done`: every L2 entry outside the keep-set is gone.
 * - `interrupted`: stopped by the signal between pages; run the command again.
 * - `skipped`: Redis did not answer; nothing was swept.
 * - `incomplete`: Redis failed part way; the counts say how far the sweep got.
 * - `disabled`: no Redis configured (VAULT_REDIS_URL unset), so there is no L2.
 */
export type CacheSweepStatus = 'done' | 'interrupted' | 'skipped' | 'incomplete' | 'disabled';

export interface CacheSweep {
  status: CacheSweepStatus;
  /** The kids whose entries were kept. */
  keep: string[];
  scanned: number;
  purged: number;
  /** Set when Redis failed (`skipped`, `incomplete`). */
  code?: 'ERR_CACHE_UNAVAILABLE';
}

export interface CacheSweepDeps {
  /** A connected client, or null when Redis is not configured; rejects with ERR_CACHE_UNAVAILABLE when it does not answer. */
  redis(): Promise<PurgeKidsClient | null>;
  namespace: string;
  ttlSeconds: number;
}

/**
 * After a key change, drop the L2 (Redis) entries sealed under kids outside
 * `keep`. Never throws for Redis: an unreachable or failing Redis is reported
 * in the result, because the entries it still holds expire by TTL and cannot
 * open once their kid leaves VAULT_KEYS, so the key operation itself stands.
 *
 * @example
 * const sweep = await sweepCacheKids({ redis: () => runtime.redis(), namespace, ttlSeconds }, [keyring.activeKid]);
 * // { status: 'done', keep: ['k2'], scanned: 1200, purged: 1180 }
 */
export async function sweepCacheKids(
  deps: CacheSweepDeps,
  keep: readonly string[],
  opts: { signal?: AbortSignal } = {},
): Promise<CacheSweep> {
  const base = { keep: [...keep], scanned: 0, purged: 0 };
  try {
    const client = await deps.redis();
    if (!client) return { status: 'disabled', ...base };
    const report = await purgeKids({
      client,
      namespace: deps.namespace,
      keep,
      ttlSeconds: deps.ttlSeconds,
      ...(opts.signal && { signal: opts.signal }),
    });
    return { status: report.interrupted ? 'interrupted' : 'done', ...base, scanned: report.scanned, purged: report.purged };
  } catch (err) {
    if (!isVaultError(err, 'ERR_CACHE_UNAVAILABLE')) throw err;
    const scanned = Number(err.details?.scanned ?? 0);
    const purged = Number(err.details?.purged ?? 0);
    return { status: scanned > 0 ? 'incomplete' : 'skipped', ...base, scanned, purged, code: 'ERR_CACHE_UNAVAILABLE' };
  }
}

/** The human line for a sweep (none without Redis). */
export function describeCacheSweep(sweep: CacheSweep): string[] {
  const counts = `${sweep.scanned} scanned, ${sweep.purged} purged (kept: ${sweep.keep.join(', ') || 'none'})`;
  switch (sweep.status) {
    case 'disabled':
      return [];
    case 'done':
      return [`cache sweep: ${counts}`];
    case 'interrupted':
      return [`cache sweep interrupted: ${counts}; run the command again`];
    case 'skipped':
      return ['cache sweep skipped: Redis unreachable (entries expire by TTL)'];
    case 'incomplete':
      return [`cache sweep incomplete: Redis unreachable after ${counts} (the rest expire by TTL)`];
  }
}
