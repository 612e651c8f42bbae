import { createHash, randomInt } from 'node:crypto';

/**
 * Server-side scripts, so that each multi-step operation is one atomic round
 * trip. Both keys of an item share a hash tag, so the scripts also run on
 * Redis Cluster.
 */

/**
 * Fill L2 only if the item's generation is still the one read before the store
 * read. A miss that read an old row before a concurrent write would otherwise
 * put the old envelope back right after the writer deleted it.
 * KEYS: value, generation. ARGV: envelope, observed generation ('' = none), ttl seconds.
 */
export const FILL_IF_GENERATION = `
local g = redis.call('GET', KEYS[2]) or ''
if g ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

/**
 * Bump the generation, drop the value and tell every instance, in one step.
 * KEYS: value, generation. ARGV: channel, message (the hashed key), generation ttl seconds,
 * increment (optional, default 1).
 *
 * [h13-kv] The increment is random (`generationStep`): serverless instances keep
 * the generation beside an L1 entry and compare it on every use, and a key that
 * expired and was created again would restart at 1, so a counter could show a
 * value an entry already holds. A random step makes that a 1 in 2^31 chance.
 */
export const INVALIDATE = `
redis.call('INCRBY', KEYS[2], ARGV[4] or 1)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[1])
return redis.call('PUBLISH', ARGV[1], ARGV[2])
`;

/** [h13-kv] The INVALIDATE increment: random in [1, 2^31). */
export function generationStep(): number {
  return randomInt(1, 2 ** 31);
}

export interface Script {
  readonly source: string;
  readonly sha: string;
}

export function toScript(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The subset of ioredis the scripts need. */
export interface ScriptRunner {
  evalsha(sha: string, numKeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
}

/** EVALSHA, falling back to EVAL once when the server has not seen the script (restart, failover). */
export async function runScript(
  client: ScriptRunner,
  script: Script,
  keys: string[],
  args: (string | Buffer | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
