import { rewrap } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';
import type { ItemStore } from '../store/types.js';
import type { RekeyResult, RetireResult } from '../types/admin.js';
import type { Clock } from '../types/clock.js';
import type { Vault } from '../types/vault.js';
import { sweepCacheKids, type CacheSweepDeps } from './cache-sweep.js';
import { keyUsage } from './key-usage.js';
import { rekey, type RekeyDeps } from './rekey.js';
import { planRetireKey } from './retire-key.js';

export interface KeyAdminDeps {
  store: RekeyDeps['store'] & Pick<ItemStore, 'countByKid'>;
  keyring: Keyring;
  clock: Clock;
  /** Who the `key.rekey` audit event names. */
  actor: string;
  /** Where the L2 sweeps go (the vault's namespace, over its batch client). */
  sweep: CacheSweepDeps;
}

/**
 * `vault.keys`: rekey, retire and usage over the vault's store and keyring,
 * each key change followed by a sweep of L2 to the kids that stay.
 *
 * No cache entry is invalidated per row, as the CLI never did: a re-wrap
 * leaves the token as it was, so an L1 copy anywhere is still right, and the
 * L2 copies under the old kid (named under either key's HMAC) all go in the
 * one sweep after the run, which also reports how many it dropped.
 *
 * @example
 * const keys = createKeyAdmin({ store, keyring, clock, actor: 'cli-42', sweep });
 * const result = await keys.rekey({ batch: 1000 });
 */
export function createKeyAdmin(deps: KeyAdminDeps): Vault['keys'] {
  const { store, keyring } = deps;
  return {
    usage: () => keyUsage(store, keyring.kids, keyring.activeKid),
    async rekey(opts = {}): Promise<RekeyResult> {
      const report = await rekey(
        {
          store,
          activeKid: keyring.activeKid,
          rewrap: (envelope, ref) => rewrap(keyring, ref, envelope),
          clock: deps.clock,
          actor: deps.actor,
        },
        opts,
      );
      // After every run, stopped or not: rows already re-wrapped must not stay readable in L2 under the old
      // key, and entries of rows still under an old kid go too (they refill from the database). A signal that
      // stopped the rekey still lets the sweep run; one that comes during the sweep stops it between pages.
      const signal = opts.signal;
      const cacheSweep = await sweepCacheKids(deps.sweep, [keyring.activeKid], signal && !signal.aborted ? { signal } : {});
      const kids = await keyUsage(store, keyring.kids, keyring.activeKid);
      return { ...report, kids, cacheSweep };
    },
    async retire(kid, opts = {}): Promise<RetireResult> {
      const plan = await planRetireKey(store, keyring.kids, keyring.activeKid, kid);
      // The closing pass after a rekey: catches a copy a slow fill put back after the rekey's own sweep.
      const cacheSweep = await sweepCacheKids(deps.sweep, plan.keep, opts.signal ? { signal: opts.signal } : {});
      return { kid: plan.kid, rows: 0, keep: plan.keep, cacheSweep };
    },
  };
}
