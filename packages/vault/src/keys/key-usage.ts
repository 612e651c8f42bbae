import type { ItemStore } from '../store/types.js';
import type { KidUsage } from '../types/admin.js';

export type { KidUsage };

/**
 * Rows per kid, for every kid in the keyring (even with 0 rows) and every kid
 * the table mentions (even one the keyring lacks). Active first, then keyring
 * order, then unknown kids.
 */
export async function keyUsage(store: Pick<ItemStore, 'countByKid'>, kids: readonly string[], activeKid: string): Promise<KidUsage[]> {
  const counts = await store.countByKid();
  const known = kids.map((kid) => ({ kid, rows: counts[kid] ?? 0, active: kid === activeKid, inKeyring: true }));
  const unknown = Object.keys(counts)
    .filter((kid) => !kids.includes(kid))
    .sort()
    .map((kid) => ({ kid, rows: counts[kid] ?? 0, active: false, inKeyring: false }));
  return [...known, ...unknown];
}
