/**
 * Real services for integration tests. A suite asks for PostgreSQL or Redis;
 * when the service is missing it is skipped with one clear line, unless
 * REQUIRE_SERVICES=1 (CI), which turns a missing service into a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Cluster, Redis } from 'ioredis';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** PgBouncer in transaction mode in front of the same PostgreSQL (`.ci/services` starts it). */
export const TEST_POOLED_DATABASE_URL = process.env.TEST_POOLED_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:6432/test';
/** The shared Redis Cluster `.ci/services` starts (3 masters). Never FLUSHALL it or stop a node of it. */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';
const REQUIRED = process.env.REQUIRE_SERVICES === '1';

const memo = new Map<string, Promise<boolean>>();

async function probePostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Ready means CLUSTER INFO says ok (ioredis checks it before `ready`), not only that a node answers. */
async function probeRedisCluster(): Promise<boolean> {
  const seeds = TEST_REDIS_CLUSTER_NODES.split(',').map((entry) => {
    const at = entry.trim().lastIndexOf(':');
    return { host: entry.trim().slice(0, at), port: Number(entry.trim().slice(at + 1)) };
  });
  const cluster = new Cluster(seeds, {
    lazyConnect: true,
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: 2000, maxRetriesPerRequest: 0 },
  });
  cluster.on('error', () => {});
  try {
    await cluster.connect();
    return (await cluster.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    cluster.disconnect();
  }
}

const PROBES = {
  postgres: () => probePostgres(TEST_DATABASE_URL),
  redis: probeRedis,
  pgbouncer: () => probePostgres(TEST_POOLED_DATABASE_URL),
  'redis-cluster': probeRedisCluster,
};
const WHERE = {
  postgres: TEST_DATABASE_URL,
  redis: TEST_REDIS_URL,
  pgbouncer: TEST_POOLED_DATABASE_URL,
  'redis-cluster': TEST_REDIS_CLUSTER_NODES,
};

/**
 * `const pgReady = await requireService('postgres', 'store contract')` at the top
 * of a test file, then `describe.skipIf(!pgReady)(...)`.
 */
export async function requireService(service: keyof typeof PROBES, suite: string): Promise<boolean> {
  if (!memo.has(service)) memo.set(service, PROBES[service]());
  const ok = await memo.get(service)!;
  const url = WHERE[service];
  if (!ok) {
    if (REQUIRED) throw new Error(`${suite}: ${service} is required (REQUIRE_SERVICES=1) but not reachable at ${url}`);
    console.warn(`[skipped] ${suite}: ${service} not reachable at ${url} (set REQUIRE_SERVICES=1 to fail instead)`);
  }
  return ok;
}

export interface TestSchema {
  url: string;
  schema: string;
  /** Run raw SQL inside the schema (tamper with rows, clear leases) on a short-lived connection. */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL schema for one suite; `drop()` removes it. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`create schema "${schema}"`);
  } finally {
    await client.end();
  }
  return {
    url: TEST_DATABASE_URL,
    schema,
    async exec(sql: string) {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A random namespace for Redis keys of one suite. */
export function testNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** A valid test keyring spec: `kid:base64` entries, first active. */
export function testKeys(...kids: string[]): string {
  return (kids.length ? kids : ['k1']).map((kid) => `${kid}:${randomBytes(32).toString('base64')}`).join(',');
}

/** A Plaid-shaped sandbox access token. */
export function fakeAccessToken(): string {
  const h = randomBytes(16).toString('hex');
  return `access-sandbox-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
