/** Look-ups of kids unknown to this instance, per minute, for any webhook. */
export const OPEN_LOOKUPS_PER_MINUTE = 10;
/** Further look-ups per minute, only for webhooks naming an item this vault holds, once the open lane is spent. */
export const ITEM_LOOKUPS_PER_MINUTE = 10;
/** After a look-up made for an item found no key, that item waits this long for another. */
export const ITEM_BAR_MS = 10 * 60_000;
const WINDOW_MS = 60_000;

/** One look-up granted; say how it ended so the item lane can hold a forgery against its item. */
export interface LookupTicket {
  readonly lane: 'open' | 'item';
  /** Plaid does not know the kid. */
  forged(): void;
  /** Plaid served the key, or the look-up failed for another reason (an outage proves nothing). */
  release(): void;
}

export interface KidLookupBudget {
  /** A ticket for one Plaid look-up of an unknown kid, or null when none may run now. */
  take(itemIdOf: () => string | null): Promise<LookupTicket | null>;
}

export interface KidLookupBudgetOptions {
  now: () => number;
  /** True when the store holds this item (one primary-key read). */
  isHeldItem(itemId: string): Promise<boolean>;
}

/**
 * Who may make the vault ask Plaid about a kid it has never seen. Anyone can
 * post a well-formed JWT with a random kid, so a single budget would be spent
 * by forgers before Plaid's next new key (first start, or a rotation at
 * Plaid) got its look-up. Two lanes: an open one, spent first by anyone; and
 * an item lane, reached only by webhooks whose body names an item this vault
 * holds (item ids are not public), where each item gets one look-up per
 * ITEM_BAR_MS unless that look-up found a real key. Plaid's genuine webhooks
 * name held items, so a flood with unknown item ids cannot keep them out, and
 * someone who knows k item ids can spend at most k item-lane look-ups per
 * ITEM_BAR_MS. Per instance, fixed one-minute windows.
 *
 * @example
 * const budget = createKidLookupBudget({ now: Date.now, isHeldItem: async (id) => (await store.getItemStatus(id)) !== undefined });
 */
export function createKidLookupBudget(opts: KidLookupBudgetOptions): KidLookupBudget {
  const { now } = opts;
  const open = fixedWindow(OPEN_LOOKUPS_PER_MINUTE, now);
  const itemLane = fixedWindow(ITEM_LOOKUPS_PER_MINUTE, now);
  // item id -> epoch ms until which it may not open the item lane. At most
  // ITEM_LOOKUPS_PER_MINUTE entries are added a minute, so it stays small.
  const barred = new Map<string, number>();
  const isBarred = (itemId: string) => (barred.get(itemId) ?? 0) > now();
  const noop = () => {};

  return {
    async take(itemIdOf) {
      if (open.take()) return { lane: 'open', forged: noop, release: noop };
      const itemId = itemIdOf();
      if (itemId === null || isBarred(itemId) || !itemLane.left()) return null;
      if (!(await opts.isHeldItem(itemId))) return null;
      // Checked again: another post for the same item may have been admitted during the read.
      if (isBarred(itemId) || !itemLane.take()) return null;
      // Barred while the look-up runs too, so concurrent forgeries for one item get one look-up between them.
      barred.set(itemId, now() + ITEM_BAR_MS);
      prune(barred, now());
      return {
        lane: 'item',
        forged: () => void barred.set(itemId, now() + ITEM_BAR_MS),
        release: () => void barred.delete(itemId),
      };
    },
  };
}

function fixedWindow(limit: number, now: () => number): { take(): boolean; left(): boolean } {
  let start = -Infinity;
  let used = 0;
  const roll = () => {
    const t = now();
    if (t - start >= WINDOW_MS) {
      start = t;
      used = 0;
    }
  };
  return {
    take() {
      roll();
      return used < limit ? (used++, true) : false;
    },
    left() {
      roll();
      return used < limit;
    },
  };
}

function prune(barred: Map<string, number>, t: number): void {
  if (barred.size < 256) return;
  for (const [id, until] of barred) if (until <= t) barred.delete(id);
}
