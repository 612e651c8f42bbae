import { normalizePath } from '../http/normalize-path.js';

/** Injected status for an endpoint: 500 answers INTERNAL_SERVER_ERROR, 429 RATE_LIMIT_EXCEEDED. */
export type FaultStatus = 500 | 429;

/** Fault settings; endpoint keys are API paths (`/accounts/get`) or `*` for every endpoint. */
export interface FaultConfig {
  /** Added before every API request is handled. */
  latencyMs?: number;
  /** Fail this fraction (0..1) of calls to an endpoint, drawn from a seeded generator. */
  errorRates?: Record<string, { status: FaultStatus; rate: number }>;
  /** For the next N calls to an endpoint: apply the change, then cut the connection unanswered. */
  commitThenDrop?: Record<string, number>;
  /** Seed for `errorRates` draws (default 1), so a run is repeatable. */
  seed?: number;
}

/** Fault injection, off by default. */
export interface Faults {
  /** Merges settings: each key given replaces that key, keys left out are kept. */
  set(config: FaultConfig): void;
  /** Turns every fault off (including queued `failNext`). */
  clear(): void;
  /** The next `count` calls to `path` answer `status`, deterministically. */
  failNext(path: string, status: FaultStatus, count?: number): void;
  /** The current settings (a copy). */
  current(): FaultConfig;
}

/** What the server asks before and after handling a request. */
export interface FaultPlan extends Faults {
  latencyMs(): number;
  /** An injected status for this call, or undefined. Consumes `failNext` and one draw. */
  takeError(path: string): FaultStatus | undefined;
  /** True if this call's answer must be dropped after the change is applied. */
  takeDrop(path: string): boolean;
}

/** Creates the fault switchboard (all off). */
export function createFaults(): FaultPlan {
  let config: FaultConfig = {};
  let random = mulberry32(1);
  const queued = new Map<string, FaultStatus[]>();

  const keyed = <T>(record: Record<string, T> | undefined): Record<string, T> | undefined =>
    record && Object.fromEntries(Object.entries(record).map(([k, v]) => [k === '*' ? '*' : normalizePath(k), v]));

  return {
    set(next) {
      for (const [name, rate] of Object.entries(next.errorRates ?? {})) {
        if (rate.status !== 500 && rate.status !== 429) throw new TypeError(`errorRates[${name}].status must be 500 or 429`);
        if (!(rate.rate >= 0 && rate.rate <= 1)) throw new TypeError(`errorRates[${name}].rate must be within 0..1`);
      }
      config = {
        ...config,
        ...next,
        ...(next.errorRates && { errorRates: keyed(next.errorRates) }),
        ...(next.commitThenDrop && { commitThenDrop: keyed(next.commitThenDrop) }),
      };
      if (next.seed !== undefined) random = mulberry32(next.seed);
    },
    clear() {
      config = {};
      random = mulberry32(1);
      queued.clear();
    },
    failNext(path, status, count = 1) {
      const key = normalizePath(path);
      queued.set(key, [...(queued.get(key) ?? []), ...Array<FaultStatus>(count).fill(status)]);
    },
    current: () => structuredClone(config),
    latencyMs: () => config.latencyMs ?? 0,
    takeError(path) {
      const next = queued.get(path)?.shift();
      if (next) return next;
      const rate = config.errorRates?.[path] ?? config.errorRates?.['*'];
      if (rate && random() < rate.rate) return rate.status;
      return undefined;
    },
    takeDrop(path) {
      const drops = config.commitThenDrop;
      const key = drops?.[path] ? path : drops?.['*'] ? '*' : undefined;
      if (!drops || !key) return false;
      drops[key]! -= 1;
      return true;
    },
  };
}

// A tiny seeded PRNG: fault draws must be repeatable across runs.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
