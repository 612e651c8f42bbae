import { loadUpstash } from '../drivers/optional-package.js';
import { silentLogger, type Logger } from '../types/logger.js';
import { KvRestError, replyWord, toKvError } from './kv-rest-errors.js';

/**
 * L2 over the KV REST API (Vercel KV, Upstash) with `@upstash/redis`, behind
 * the same few ioredis-shaped commands the TCP tier uses (`RedisCacheClient`,
 * `PurgeKidsClient`), so `RedisTier`, its scripts, the breaker and the kid
 * sweep run unchanged over HTTPS. The client's defaults do not fit a cache
 * that must never stall a caller (docs/DECISIONS.md, entries 74 and 79):
 *
 * - replies stay the text Redis holds (`automaticDeserialization: false`);
 * - one request per call, batches only through `pipeline()`;
 * - no retries (5 by default: 4.3 s against a refused connection);
 * - a fresh deadline per request (`signal` as a function: a plain AbortSignal
 *   would turn every later call into a fake `null`);
 * - no telemetry headers.
 *
 * The client decodes every reply as UTF-8 text, so values travel as base64
 * text: buffers given to a script are sent base64-encoded and `getBuffer`
 * decodes them. A value that is not strict base64 (one written raw by a TCP
 * instance sharing the database) reads as an empty buffer, which the L2 format
 * check takes for a miss.
 */

/** The parts of `@upstash/redis`'s `Redis` used here (its own types stay out of this package's declarations). */
interface UpstashRedis {
  get(key: string): Promise<unknown>;
  evalsha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  scan(cursor: string, opts: { match: string; count: number }): Promise<[string | number, string[]]>;
  unlink(...keys: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  ping(): Promise<string>;
  pipeline(): UpstashPipeline;
}

interface UpstashPipeline {
  get(key: string): unknown;
  evalsha(sha: string, keys: string[], args: string[]): unknown;
  exec(opts: { keepErrors: true }): Promise<{ error?: string; result: unknown }[]>;
}

type Arg = string | Buffer | number;

/** One batch; fits what `RedisTier.read` and `purgeKids` need of an ioredis pipeline. */
export interface KvPipeline {
  get(key: string): KvPipeline;
  getBuffer(key: string): KvPipeline;
  evalsha(sha: string, numKeys: number, ...args: Arg[]): KvPipeline;
  exec(): Promise<[Error | null, unknown][]>;
}

/** The ioredis-shaped surface over the REST API. Every failure is a `KvRestError` (a code, never the command). */
export interface KvRestClient {
  getBuffer(key: string): Promise<Buffer | null>;
  get(key: string): Promise<string | null>;
  evalsha(sha: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  unlink(...keys: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  ping(): Promise<unknown>;
  pipeline(): KvPipeline;
  /** Nothing to close (HTTP connections belong to Node's fetch pool); here so callers treat it like the TCP client. */
  disconnect(): void;
}

export interface KvRestClientOptions {
  /** `https://…` (plain `http://` only for a loopback host: the token is a Bearer header). */
  url: string;
  token: string;
  /** Deadline of a read (GET, a pipeline of GETs, PING). */
  timeoutMs: number;
  /** Deadline of anything that writes (scripts, SCAN/UNLINK, PUBLISH). */
  writeTimeoutMs: number;
  logger?: Logger;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fromBase64(text: unknown): Buffer | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) return Buffer.alloc(0);
  return Buffer.from(text, 'base64');
}

const toText = (arg: Arg): string => (Buffer.isBuffer(arg) ? arg.toString('base64') : String(arg));

function split(numKeys: number, args: Arg[]): [string[], string[]] {
  return [args.slice(0, numKeys).map(toText), args.slice(numKeys).map(toText)];
}

/**
 * Load `@upstash/redis` (an optional peer dependency, imported only when a
 * REST tier is configured) and build the client.
 *
 * @throws ConfigInvalidError when the package is not installed.
 * @example
 * const kv = await createKvRestClient({ url: config.kv.url, token: config.kv.token, timeoutMs: 200, writeTimeoutMs: 2000 });
 * const tier = createRedisTier({ client: kv, ... });
 */
export async function createKvRestClient(opts: KvRestClientOptions): Promise<KvRestClient> {
  const { Redis } = await loadUpstash();
  const make = (ms: number) =>
    new Redis({
      url: opts.url,
      token: opts.token,
      automaticDeserialization: false,
      enableTelemetry: false,
      enableAutoPipelining: false,
      retry: { retries: 0 },
      signal: () => AbortSignal.timeout(ms),
    }) as unknown as UpstashRedis;
  return new UpstashKvClient(make(opts.timeoutMs), make(opts.writeTimeoutMs), opts.logger ?? silentLogger);
}

class UpstashKvClient implements KvRestClient {
  readonly #reads: UpstashRedis;
  readonly #writes: UpstashRedis;
  readonly #logger: Logger;
  #authLogged = false;

  constructor(reads: UpstashRedis, writes: UpstashRedis, logger: Logger) {
    this.#reads = reads;
    this.#writes = writes;
    this.#logger = logger;
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    return fromBase64(await this.#call(() => this.#reads.get(key)));
  }

  async get(key: string): Promise<string | null> {
    const value = await this.#call(() => this.#reads.get(key));
    return value === null || value === undefined ? null : String(value);
  }

  evalsha(sha: string, numKeys: number, ...args: Arg[]): Promise<unknown> {
    const [keys, argv] = split(numKeys, args);
    return this.#call(() => this.#writes.evalsha(sha, keys, argv));
  }

  eval(script: string, numKeys: number, ...args: Arg[]): Promise<unknown> {
    const [keys, argv] = split(numKeys, args);
    return this.#call(() => this.#writes.eval(script, keys, argv));
  }

  async scan(cursor: string, _match: 'MATCH', pattern: string, _count: 'COUNT', count: number): Promise<[string, string[]]> {
    const [next, keys] = await this.#call(() => this.#writes.scan(cursor, { match: pattern, count }));
    return [String(next), keys];
  }

  unlink(...keys: string[]): Promise<number> {
    return this.#call(() => this.#writes.unlink(...keys));
  }

  publish(channel: string, message: string): Promise<number> {
    return this.#call(() => this.#writes.publish(channel, message));
  }

  ping(): Promise<unknown> {
    return this.#call(() => this.#reads.ping());
  }

  pipeline(): KvPipeline {
    const ops: { kind: 'get' | 'getBuffer' | 'evalsha'; key?: string; sha?: string; keys?: string[]; argv?: string[] }[] = [];
    const batch: KvPipeline = {
      get: (key) => (ops.push({ kind: 'get', key }), batch),
      getBuffer: (key) => (ops.push({ kind: 'getBuffer', key }), batch),
      evalsha: (sha, numKeys, ...args) => {
        const [keys, argv] = split(numKeys, args);
        ops.push({ kind: 'evalsha', sha, keys, argv });
        return batch;
      },
      exec: async () => {
        if (ops.length === 0) return [];
        const client = ops.some((op) => op.kind === 'evalsha') ? this.#writes : this.#reads;
        const pipe = client.pipeline();
        for (const op of ops) {
          if (op.kind === 'evalsha') pipe.evalsha(op.sha!, op.keys!, op.argv!);
          else pipe.get(op.key!);
        }
        const replies = await this.#call(() => pipe.exec({ keepErrors: true }));
        return replies.map(({ error, result }, i): [Error | null, unknown] => {
          if (error !== undefined && error !== null) return [new KvRestError('kv_command', replyWord(String(error))), null];
          return [null, ops[i]!.kind === 'getBuffer' ? fromBase64(result) : result];
        });
      },
    };
    return batch;
  }

  disconnect(): void {}

  async #call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const error = toKvError(err);
      // A refused token is a configuration error, not an outage: say so once, loudly, with no detail.
      if (error.code === 'kv_auth' && !this.#authLogged) {
        this.#authLogged = true;
        this.#logger.error(
          { dependency: 'kv', code: error.code },
          'KV REST API refused the token; check KV_REST_API_TOKEN / UPSTASH_REDIS_REST_TOKEN',
        );
      }
      throw error;
    }
  }
}
