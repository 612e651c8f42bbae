import { envelopeKid } from '../crypto/envelope.js';
import { CacheUnavailableError } from '../errors.js';
import { eachMaster } from './cluster-topology.js';
import { l2ValueEnvelope } from './l2-value.js';
import { generationStep, INVALIDATE, runScript, toScript, type ScriptRunner } from './redis-scripts.js';
import { l2KeyLayout, type L2KeyLayout } from './redis-tier.js';

/** One pipelined batch of commands; a real ioredis pipeline fits. */
export interface PurgePipeline {
  getBuffer(key: string): unknown;
  evalsha(sha: string, numKeys: number, ...args: (string | Buffer | number)[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The few ioredis commands the sweep uses (a real `Redis` fits, and a `Cluster`: the sweep then visits each master). */
export interface PurgeKidsClient extends ScriptRunner {
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  pipeline(): PurgePipeline;
}

export interface PurgeKidsOptions {
  /** A connected client; the caller closes it. */
  client: PurgeKidsClient;
  /** The vault's namespace (VAULT_NAMESPACE): only `pv:<namespace>:{...}` value keys are read. */
  namespace: string;
  /** Entries sealed under one of these kids stay; every other entry, and every value that does not parse (or is in an older format), goes. */
  keep: readonly string[];
  /** How long the bumped generation key lives: the L2 TTL (VAULT_REDIS_TTL_S), as for every invalidation. */
  ttlSeconds: number;
  /** SCAN COUNT hint; memory holds about one page of keys and values. Default 500. */
  count?: number;
  /** Stop between pages; the report then says `interrupted`. */
  signal?: AbortSignal;
}

export interface PurgeKidsReport {
  /** Value keys the scan returned (SCAN may return a key twice; expired ones count too). */
  scanned: number;
  /** Entries dropped: under a kid outside the keep-set, or not an envelope. */
  purged: number;
  interrupted: boolean;
}

const INVALIDATE_SCRIPT = toScript(INVALIDATE);

/**
 * Drop every L2 entry of a namespace whose envelope is not sealed under a kid
 * in `keep` (after a rekey, the old KEK's copies). Reads the kid from the
 * envelope header inside the value (nothing is decrypted; the value's MAC is
 * not checked, as the sweep holds no key and only decides what to drop) and
 * drops through the invalidation script, so the item's generation is bumped:
 * a load that read the old row
 * before the sweep cannot fill the old envelope back. Streams the namespace
 * with SCAN (never KEYS), one pipelined GET and one pipelined drop per page;
 * on a Redis Cluster, master after master.
 * Works on hashed keys only, so it needs no HMAC key and also finds entries
 * named under a previous active key's HMAC.
 *
 * @throws CacheUnavailableError when Redis fails; `details` has the counts so far.
 * @example
 * const report = await purgeKids({ client, namespace: 'app', keep: ['k2'], ttlSeconds: 3600 });
 * // { scanned: 1200, purged: 1180, interrupted: false }
 */
export async function purgeKids(opts: PurgeKidsOptions): Promise<PurgeKidsReport> {
  const layout = l2KeyLayout(opts.namespace);
  const keep = new Set(opts.keep);
  const report: PurgeKidsReport = { scanned: 0, purged: 0, interrupted: false };
  try {
    // On a Redis Cluster each master holds part of the namespace: SCAN each (cluster-topology.ts).
    for (const node of eachMaster(opts.client)) {
      let cursor = '0';
      do {
        if (opts.signal?.aborted) {
          report.interrupted = true;
          return report;
        }
        const [next, keys] = await node.scan(cursor, 'MATCH', layout.valuePattern, 'COUNT', opts.count ?? 500);
        cursor = next;
        const hashes = keys.map((key) => layout.hashOf(key)).filter((hash) => hash !== undefined);
        report.scanned += hashes.length;
        const stale = await staleHashes({ node, client: opts.client }, layout, hashes, keep);
        await invalidateAll({ node, client: opts.client }, layout, stale, opts.ttlSeconds);
        report.purged += stale.length;
      } while (cursor !== '0');
    }
  } catch (err) {
    // The cause is left out: ioredis messages can carry the host, and command errors their arguments.
    throw new CacheUnavailableError(undefined, {
      details: { scanned: report.scanned, purged: report.purged, reason: errorCode(err) },
    });
  }
  return report;
}

/**
 * Where a page's commands go: the node it was scanned on (one pipeline), and
 * the client itself for a key whose slot moved meanwhile (a Cluster client
 * follows MOVED and ASK; on one Redis both are the same client).
 */
interface Route {
  node: PurgeKidsClient;
  client: PurgeKidsClient;
}

/** A reply that names another node: the slot moved (resharding, failover) since the SCAN. */
const REDIRECTED = /^(MOVED|ASK) /;

/** The hashes whose value is not an envelope under a kept kid. A value gone meanwhile (expired, invalidated) is left alone. */
async function staleHashes(route: Route, layout: L2KeyLayout, hashes: string[], keep: Set<string>): Promise<string[]> {
  if (hashes.length === 0) return [];
  const pipeline = route.node.pipeline();
  for (const hash of hashes) pipeline.getBuffer(layout.valueKey(hash));
  const replies = await execAll(pipeline, hashes.length);
  for (const [i, [error]] of replies.entries()) {
    if (error && REDIRECTED.test(error.message)) {
      const retry = route.client.pipeline();
      retry.getBuffer(layout.valueKey(hashes[i]!));
      replies[i] = (await execAll(retry, 1))[0]!;
    }
  }
  const stale: string[] = [];
  for (const [i, [error, value]] of replies.entries()) {
    // A value of another type under our layout can never open either.
    if (error && !error.message.startsWith('WRONGTYPE')) throw error;
    if (error || (Buffer.isBuffer(value) && !kept(value, keep))) stale.push(hashes[i]!);
  }
  return stale;
}

/** An older-format value never opens either (it reads as a miss), so it goes too. */
function kept(value: Buffer, keep: Set<string>): boolean {
  const envelope = l2ValueEnvelope(value);
  if (envelope === undefined) return false;
  try {
    return keep.has(envelopeKid(envelope));
  } catch {
    return false;
  }
}

/** The INVALIDATE script for each hash, pipelined; a server that lost the script gets it by EVAL, once per hash that needs it. */
async function invalidateAll(route: Route, layout: L2KeyLayout, hashes: string[], ttlSeconds: number): Promise<void> {
  if (hashes.length === 0) return;
  const args = (hash: string) =>
    [
      [layout.valueKey(hash), layout.generationKey(hash)],
      [layout.channel, hash, ttlSeconds, generationStep()],
    ] as const;
  const pipeline = route.node.pipeline();
  for (const hash of hashes) {
    const [keys, argv] = args(hash);
    pipeline.evalsha(INVALIDATE_SCRIPT.sha, keys.length, ...keys, ...argv);
  }
  const replies = await execAll(pipeline, hashes.length);
  for (const [i, [error]] of replies.entries()) {
    if (!error) continue;
    const moved = REDIRECTED.test(error.message);
    if (!moved && !error.message.startsWith('NOSCRIPT')) throw error;
    const [keys, argv] = args(hashes[i]!);
    await runScript(moved ? route.client : route.node, INVALIDATE_SCRIPT, [...keys], [...argv]);
  }
}

async function execAll(pipeline: PurgePipeline, expected: number): Promise<[Error | null, unknown][]> {
  const replies = await pipeline.exec();
  if (!replies || replies.length !== expected) throw new Error('pipeline returned no replies');
  return replies;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}
