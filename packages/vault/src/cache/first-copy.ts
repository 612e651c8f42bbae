/**
 * Redis Cluster relays every PUBLISH to every node, so a bus with a subscriber
 * on each master receives each invalidation once per master. This tells the
 * first copy of a publish (pass it on) from the later ones (drop them), by
 * what each subscriber still owes: when a copy is passed on, every other
 * subscriber listening at that moment owes one copy of that message, and a
 * copy a subscriber owes is dropped. Each subscriber receives the copies of
 * one message in publish order, so this is exact while every copy arrives.
 *
 * Every way it can be wrong makes it pass a copy on twice, never drop a first
 * copy: a subscriber whose connection is lost owes nothing (`lost`), a debt is
 * forgotten after `maxAgeMs` (a copy that late counts as new), and past `max`
 * messages everything is forgotten. A repeated invalidation costs a reload;
 * a lost one would leave a stale token in L1.
 *
 * @example
 * const first = createFirstCopy({ listening: () => upNodes() });
 * if (first.arrived(message, nodeKey)) onMessage(message);
 */
export interface FirstCopy {
  /** True for the first copy of a publish, false for a copy of one already passed on. */
  arrived(message: string, from: string): boolean;
  /** `from`'s subscription was lost: the copies it owed will never come. */
  lost(from: string): void;
  /** Messages with copies still owed. */
  readonly size: number;
}

export interface FirstCopyOptions {
  /** The subscribers listening now (subscribed on their node). */
  listening(): Iterable<string>;
  max?: number;
  maxAgeMs?: number;
  now?: () => number;
}

interface Debt {
  at: number;
  owed: Map<string, number>;
}

export function createFirstCopy(opts: FirstCopyOptions): FirstCopy {
  const max = opts.max ?? 10_000;
  const maxAgeMs = opts.maxAgeMs ?? 5000;
  const now = opts.now ?? (() => performance.now());
  const debts = new Map<string, Debt>();
  return {
    arrived(message, from) {
      const t = now();
      let debt = debts.get(message);
      if (debt !== undefined && t - debt.at > maxAgeMs) {
        debts.delete(message);
        debt = undefined;
      }
      const owed = debt?.owed.get(from) ?? 0;
      if (owed > 0) {
        if (owed === 1) debt!.owed.delete(from);
        else debt!.owed.set(from, owed - 1);
        if (debt!.owed.size === 0) debts.delete(message);
        return false;
      }
      for (const other of opts.listening()) {
        if (other === from) continue;
        if (debt === undefined) {
          debt = { at: t, owed: new Map() };
          debts.set(message, debt);
        }
        debt.at = t;
        debt.owed.set(other, (debt.owed.get(other) ?? 0) + 1);
      }
      if (debts.size > max) debts.clear();
      return true;
    },
    lost(from) {
      for (const [message, debt] of debts) {
        debt.owed.delete(from);
        if (debt.owed.size === 0) debts.delete(message);
      }
    },
    get size() {
      return debts.size;
    },
  };
}
