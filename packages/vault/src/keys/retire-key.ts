import { KeyInUseError, KeyUnknownError } from '../errors.js';
import type { ItemStore } from '../store/types.js';

export interface RetirePlan {
  kid: string;
  /** The kids to keep in VAULT_KEYS, in order (first stays active). */
  keep: string[];
}

/**
 * Decide whether `kid` can leave the keyring. It can when it is in the
 * keyring, is not the active key, and no row is sealed under it. The plan
 * names kids only: printing the remaining keyring would print key bytes, so
 * the operator deletes the entry from their secret store themselves.
 *
 * @example
 *   const plan = await planRetireKey(store, keyring.kids, keyring.activeKid, 'k1');
 *   // plan.keep = ['k2']
 */
export async function planRetireKey(
  store: Pick<ItemStore, 'countByKid'>,
  kids: readonly string[],
  activeKid: string,
  kid: string,
): Promise<RetirePlan> {
  if (!kids.includes(kid)) throw new KeyUnknownError('This kid is not in the keyring.', { details: { kid } });
  if (kid === activeKid) {
    throw new KeyInUseError('The active key cannot be retired; put a new key first in VAULT_KEYS, then rekey.', {
      details: { kid, rows: null },
    });
  }
  const rows = (await store.countByKid())[kid] ?? 0;
  if (rows > 0) throw new KeyInUseError(`The key still protects ${rows} items; run rekey first.`, { details: { kid, rows } });
  return { kid, keep: kids.filter((k) => k !== kid) };
}
