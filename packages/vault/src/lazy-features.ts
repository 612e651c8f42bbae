/**
 * The vault's features, loaded on first use (cold start, issue 13). A cold
 * token read (import, createVault, withToken) needs none of wire-features.ts:
 * the Plaid gateway, link, data, webhooks, rotation and recovery, removal,
 * keys, import and doctor, some 45 modules. So the vault object gets facades:
 * every one of those methods returns a promise, and its facade loads the
 * wiring once, then calls through. Part of the composition root: only
 * vault.ts imports this module, and it takes only the types of wire-features.ts.
 */
import { assertId } from './items/validate.js';
import type { PlaidGateway, PlaidHealth } from './plaid/types.js';
import type { Vault } from './types/vault.js';
import type { Features } from './wire-features.js';

/** The methods of a namespace, listed so that a new one cannot be left without its facade. */
type Methods<T> = { [K in keyof T]-?: true };

const ITEMS: Methods<Features['items']> = { rotate: true, rotateDue: true, remove: true, delete: true };
const LINK: Methods<Vault['link']> = { createLinkToken: true, exchange: true, sandboxLink: true };
const DATA: Methods<Vault['data']> = {
  accounts: true,
  balances: true,
  transactions: true,
  identity: true,
  auth: true,
  holdings: true,
  investmentTransactions: true,
  liabilities: true,
};
const WEBHOOKS: Methods<Vault['webhooks']> = { handle: true };
const KEYS: Methods<Vault['keys']> = { usage: true, rekey: true, retire: true };
const TOP: Methods<Pick<Vault, 'recover' | 'import' | 'doctor'>> = { recover: true, import: true, doctor: true };

export type FeatureFacades = Omit<Features, 'plaidHealth' | 'close'>;

export interface LazyFeatures {
  /** What the vault object exposes: the same methods, loading the features on the first call. */
  vault: FeatureFacades;
  /** Load now (`recoverOnStart`). Concurrent callers share one load; a failed load is tried again by the next call. */
  load(): Promise<Features>;
  /** The gateway's view of Plaid; before the features load no call was made: `unknown`, or what a gateway handed in says. */
  plaidHealth(): PlaidHealth;
  /** Close what the features opened (after a load in progress ends); nothing when they never loaded. */
  close(): Promise<void>;
}

type Call = (...args: unknown[]) => unknown;

/**
 * Facades over `wire()`, which vault.ts points at `import('./wire-features.js')`.
 *
 * @example
 * const features = lazyFeatures(async () => (await import('./wire-features.js')).wireFeatures(ctx, parts, root));
 * await features.vault.data.accounts({ userId, itemId }); // loads, then calls
 */
export function lazyFeatures(wire: () => Promise<Features>, given?: PlaidGateway): LazyFeatures {
  let features: Features | undefined;
  let loading: Promise<Features> | undefined;
  const load = () =>
    (loading ??= wire().then(
      (wired) => (features = wired),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    ));

  // Once loaded, a facade makes the very call the vault made before (no extra tick).
  function facade<T extends object>(pick: (f: Features) => T, names: Methods<T>): T {
    const out: Record<string, Call> = {};
    for (const name of Object.keys(names)) {
      const call = (f: Features, args: unknown[]) => (pick(f) as Record<string, Call>)[name]!(...args);
      out[name] = (...args) => (features ? call(features, args) : load().then((f) => call(f, args)));
    }
    return out as T;
  }

  const items = facade((f) => f.items, ITEMS);
  const rotate = items.rotate;
  // rotate checks its ids before it returns a promise (a bad id throws, it does not reject): so does its facade.
  items.rotate = (ref) => {
    if (!features) {
      assertId(ref.itemId, 'itemId');
      if (ref.userId !== undefined) assertId(ref.userId, 'userId');
    }
    return rotate(ref);
  };

  return {
    vault: {
      items,
      link: facade((f) => f.link, LINK),
      data: facade((f) => f.data, DATA),
      webhooks: facade((f) => f.webhooks, WEBHOOKS),
      keys: facade((f) => f.keys, KEYS),
      ...facade((f) => f, TOP),
    },
    load,
    plaidHealth: () => features?.plaidHealth() ?? given?.health() ?? 'unknown',
    async close() {
      await loading?.catch(() => undefined);
      await features?.close();
    },
  };
}
