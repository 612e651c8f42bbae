import { purgeKids, type PurgeKidsClient } from '../cache/purge-kids.js';
import { isVaultError } from '../errors.js';
import type { CacheSweep, CacheSweepStatus } from '../types/admin.js';

export type { CacheSweep, CacheSweepStatus };

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
 * const sweep = await sweepCacheKids({ redis: () => sweepClient.get(), namespace, ttlSeconds }, [keyring.activeKid]);
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
