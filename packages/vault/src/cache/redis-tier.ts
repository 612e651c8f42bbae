import type { Logger } from '../types/logger.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { eachMaster, isClusterClient } from './cluster-topology.js';
import { createDeadlineSweeper, type DeadlineSweeper } from './deadline.js';
import { FILL_IF_GENERATION, generationStep, INVALIDATE, runScript, toScript, type ScriptRunner } from './redis-scripts.js';

/** The few ioredis commands L2 uses (a real `Redis` fits; tests pass a small fake). */
export interface RedisCacheClient extends ScriptRunner {
  getBuffer(key: string): Promise<Buffer | null>;
  get(key: string): Promise<string | null>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  unlink(...keys: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  /** [h13-kv] Needed by `read` only (serverless coherence); ioredis and the KV REST client have it. */
  pipeline?(): ReadPipeline;
}

/** [h13-kv] The part of an ioredis pipeline `read` uses. */
export interface ReadPipeline {
  get(key: string): unknown;
  getBuffer(key: string): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** [h13-kv] An item's generation ('' = none) and its L2 value, read in that order. */
export interface L2Read {
  generation: string;
  value: Buffer | null;
}

/** Returned instead of a value when Redis was skipped (breaker open) or failed. */
export const SKIPPED: unique symbol = Symbol('redis skipped');
export type Skipped = typeof SKIPPED;

/** Message that tells every instance to drop its whole L1 (after a namespace purge). */
export const CLEAR_ALL_MESSAGE = '*';

const FIRST_REPLAY_MS = 50;

/** Invalidations remembered during an outage; beyond this the whole namespace is purged instead. */
const MAX_PENDING = 10_000;

export interface RedisTierOptions {
  client: RedisCacheClient;
  namespace: string;
  ttlSeconds: number;
  commandTimeoutMs: number;
  breaker: CircuitBreaker;
  logger: Logger;
  /** Longest pause between retries of queued invalidations while Redis is away (first retry after 50 ms). */
  retryMs?: number;
}

/**
 * L2: envelopes, each with its token version and a MAC (l2-value.ts), in Redis
 * under `pv:<ns>:{<hmac>}`. Every command is bounded by a timeout and goes
 * through the circuit breaker; a failure is a SKIPPED result, never an
 * exception, so Redis can only make a request slower by at most one timeout,
 * and not even that while the breaker is open.
 */
export class RedisTier {
  readonly channel: string;
  errors = 0;
  published = 0;
  readonly #client: RedisCacheClient;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #deadlines: DeadlineSweeper;
  readonly #writeDeadlines: DeadlineSweeper;
  readonly #breaker: CircuitBreaker;
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #fill = toScript(FILL_IF_GENERATION);
  readonly #invalidate = toScript(INVALIDATE);
  readonly #pending = new Set<string>();
  #purgeAll = false;
  #replayDelay = FIRST_REPLAY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: RedisTierOptions) {
    this.#client = opts.client;
    this.#prefix = `pv:${opts.namespace}:`;
    this.channel = `pv:${opts.namespace}:inval`;
    this.#ttl = opts.ttlSeconds;
    this.#deadlines = createDeadlineSweeper(opts.commandTimeoutMs);
    this.#writeDeadlines = createDeadlineSweeper(Math.max(opts.commandTimeoutMs * 10, 250));
    this.#breaker = opts.breaker;
    this.#logger = opts.logger;
    this.#retryMs = opts.retryMs ?? 1000;
  }

  /** The value key. The hash tag keeps an item's two keys in one Cluster slot. */
  key(hash: string): string {
    return `${this.#prefix}{${hash}}`;
  }

  generationKey(hash: string): string {
    return `${this.#prefix}g:{${hash}}`;
  }

  get pendingInvalidations(): number {
    return this.#purgeAll ? Number.POSITIVE_INFINITY : this.#pending.size;
  }

  get(hash: string): Promise<Buffer | null | Skipped> {
    return this.#run(() => this.#client.getBuffer(this.key(hash)));
  }

  /** Read before the store read; `fill` succeeds only if it is unchanged by then. */
  async generation(hash: string): Promise<string | Skipped> {
    const value = await this.#run(() => this.#client.get(this.generationKey(hash)));
    return value === SKIPPED ? SKIPPED : (value ?? '');
  }

  /**
   * [h13-kv] Serverless coherence: the generation, then the value, in one
   * round trip (a pipeline runs in order). The value is then at least as new
   * as the generation: an invalidation bumps the generation and deletes the
   * value in one script, so a value read after the generation was either
   * still valid for it or filled under a newer one.
   */
  read(hash: string): Promise<L2Read | Skipped> {
    return this.#run(async () => {
      const pipeline = this.#client.pipeline!();
      pipeline.get(this.generationKey(hash));
      pipeline.getBuffer(this.key(hash));
      const replies = await pipeline.exec();
      const [generation, value] = replies ?? [];
      if (!generation || !value || generation[0] || value[0]) throw generation?.[0] ?? value?.[0] ?? new Error('no replies');
      return { generation: (generation[1] as string | null) ?? '', value: (value[1] as Buffer | null) ?? null };
    });
  }

  /** `value`: the encoded L2 value (l2-value.ts). */
  async fill(hash: string, value: Buffer, generation: string): Promise<void> {
    await this.#run(() => runScript(this.#client, this.#fill, [this.key(hash), this.generationKey(hash)], [value, generation, this.#ttl]));
  }

  /** Delete, bump the generation, publish. False when Redis was unreachable (then retried later). */
  async invalidate(hash: string): Promise<boolean> {
    const ok = (await this.#sendInvalidation(hash)) !== SKIPPED;
    if (!ok) this.#queue(hash);
    return ok;
  }

  /**
   * [h13-kv] Send the queued invalidations now instead of at the next replay:
   * a function may be frozen before its timer fires. One attempt; what still
   * fails stays queued.
   */
  async flushPending(): Promise<void> {
    if (this.#pending.size === 0 && !this.#purgeAll) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#replay();
  }

  close(): void {
    this.#closed = true;
    this.#deadlines.close();
    this.#writeDeadlines.close();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
  }

  // Invalidations are about correctness, not speed, and writes are rare: they are sent even
  // while the breaker is open (a refused connection fails at once anyway) and get a longer
  // deadline, so a slow moment does not turn into a stale instance until the replay.
  #sendInvalidation(hash: string): Promise<unknown> {
    return this.#run(async () => {
      await runScript(
        this.#client,
        this.#invalidate,
        [this.key(hash), this.generationKey(hash)],
        [this.channel, hash, this.#ttl, generationStep()],
      );
      this.published += 1;
    }, this.#writeDeadlines);
  }

  // Another instance may still read the old envelope from L2 until the DEL lands, so a
  // failed invalidation is remembered and replayed as soon as Redis answers again.
  #queue(hash: string): void {
    if (this.#pending.size === 0 && !this.#purgeAll) {
      this.#logger.warn({ namespace: this.#prefix }, 'cache invalidation not delivered; queued for replay when Redis returns');
    }
    if (this.#pending.size >= MAX_PENDING) this.#purgeAll = true;
    else this.#pending.add(hash);
    this.#scheduleReplay();
  }

  #scheduleReplay(): void {
    if (this.#retryTimer || this.#closed) return;
    // Soon at first (a blip), then backing off to retryMs (an outage).
    const delay = this.#replayDelay;
    this.#replayDelay = Math.min(this.#retryMs, delay * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#replay();
    }, delay);
    this.#retryTimer.unref();
  }

  async #replay(): Promise<void> {
    if (this.#purgeAll) {
      if (!(await this.#purgeNamespace())) return this.#scheduleReplay();
      this.#purgeAll = false;
      this.#pending.clear();
    }
    for (const hash of [...this.#pending]) {
      if ((await this.#sendInvalidation(hash)) === SKIPPED) return this.#scheduleReplay();
      this.#pending.delete(hash);
    }
    this.#replayDelay = FIRST_REPLAY_MS;
    this.#logger.info({ namespace: this.#prefix }, 'queued cache invalidations replayed');
  }

  /** Too many lost invalidations to track: drop every value key (generations stay) and clear every L1. */
  async #purgeNamespace(): Promise<boolean> {
    // On a Redis Cluster each master holds part of the namespace: SCAN them all (cluster-topology.ts).
    const nodes = await this.#run(async () => eachMaster(this.#client), this.#writeDeadlines);
    if (nodes === SKIPPED) return false;
    // On a Cluster the keys of a page lie in different slots (CROSSSLOT): one UNLINK per key, sent together.
    // Elsewhere one UNLINK per page (over a KV REST API, each command is a request).
    const perKey = isClusterClient(this.#client);
    for (const node of nodes) {
      let cursor = '0';
      for (let round = 0; round < 100_000; round += 1) {
        const page = await this.#run(() => node.scan(cursor, 'MATCH', `${this.#prefix}{*`, 'COUNT', 500), this.#writeDeadlines);
        if (page === SKIPPED) return false;
        const [next, keys] = page;
        const unlink = async (): Promise<unknown> => (perKey ? Promise.all(keys.map((key) => node.unlink(key))) : node.unlink(...keys));
        if (keys.length > 0 && (await this.#run(unlink, this.#writeDeadlines)) === SKIPPED) return false;
        cursor = next;
        if (cursor === '0') break;
      }
    }
    return (await this.#run(() => this.#client.publish(this.channel, CLEAR_ALL_MESSAGE), this.#writeDeadlines)) !== SKIPPED;
  }

  /** `deadlines` given = a write: sent whatever the breaker says. */
  async #run<T>(op: () => Promise<T>, deadlines?: DeadlineSweeper): Promise<T | Skipped> {
    if (deadlines === undefined && !this.#breaker.allow()) return SKIPPED;
    try {
      const value = await (deadlines ?? this.#deadlines).bound(op());
      this.#breaker.success();
      return value;
    } catch {
      // The error itself is not logged: ioredis messages can echo arguments. The breaker logs the outage.
      this.errors += 1;
      this.#breaker.failure();
      return SKIPPED;
    }
  }
}

/** Where a namespace's L2 keys live, for work on the namespace from outside a cache (see purge-kids.ts). */
export interface L2KeyLayout {
  /** SCAN pattern of the value keys only (generation keys are `pv:<ns>:g:{...}` and do not match). */
  readonly valuePattern: string;
  /** The item's hashed key inside a value key, or undefined when `key` is not a value key of this namespace. */
  hashOf(key: string): string | undefined;
  valueKey(hash: string): string;
  generationKey(hash: string): string;
  readonly channel: string;
}

/** The hashed keys are base64url HMACs; anything else under the pattern is not ours to touch. */
const HASH = /^[A-Za-z0-9_-]+$/;

/**
 * The key layout `RedisTier` uses (`key`, `generationKey`, `channel`), spelled
 * out for tools that sweep a namespace without being a cache (a test keeps the two equal).
 *
 * @example
 * const layout = l2KeyLayout('app');
 * layout.hashOf('pv:app:{abc}'); // 'abc'
 */
export function l2KeyLayout(namespace: string): L2KeyLayout {
  const prefix = `pv:${namespace}:`;
  return {
    valuePattern: `${prefix}{*`,
    hashOf(key) {
      if (!key.startsWith(`${prefix}{`) || !key.endsWith('}')) return undefined;
      const hash = key.slice(prefix.length + 1, -1);
      return HASH.test(hash) ? hash : undefined;
    },
    valueKey: (hash) => `${prefix}{${hash}}`,
    generationKey: (hash) => `${prefix}g:{${hash}}`,
    channel: `${prefix}inval`,
  };
}

/** L2 over a ready ioredis client (the caller owns and closes the client). */
export function createRedisTier(opts: RedisTierOptions): RedisTier {
  return new RedisTier(opts);
}
