/** The doctor's configuration checks: each rule's pass, warn and fail. */
import { describe, expect, it } from 'vitest';
import { configChecks, type DeploymentFacts } from '../../src/doctor/config-checks.js';

const base: DeploymentFacts = {
  nodeEnv: 'production',
  databaseUrl: 'postgres://app@db.internal/vault?sslmode=verify-full',
  redisUrl: 'rediss://cache.internal:6380',
  webhookUrl: 'https://app.example.com/api/webhooks/plaid',
  products: ['transactions'],
  kids: ['k2', 'k1'],
  keySource: 'env',
};

const statusOf = (facts: Partial<DeploymentFacts>, id: string) => configChecks({ ...base, ...facts }).find((c) => c.id === id);

describe('doctor configuration checks', () => {
  it('a careful production deployment passes every check', () => {
    const results = configChecks(base);
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(results.every((r) => r.fix === undefined)).toBe(true);
  });

  it.each<[string, Partial<DeploymentFacts>, string, 'warn' | 'fail']>([
    ['NODE_ENV unset', { nodeEnv: undefined }, 'node_env', 'warn'],
    ['dev key in production', { keySource: 'dev' }, 'keys', 'fail'],
    ['dev key in development', { keySource: 'dev', nodeEnv: 'development' }, 'keys', 'warn'],
    ['four kids', { kids: ['k4', 'k3', 'k2', 'k1'] }, 'key_count', 'warn'],
    ['PostgreSQL without TLS in production', { databaseUrl: 'postgres://app@db.internal/vault' }, 'database_tls', 'fail'],
    ['PostgreSQL without TLS on localhost', { databaseUrl: 'postgres://app@127.0.0.1/vault' }, 'database_tls', 'warn'],
    ['SQLite in production', { databaseUrl: 'sqlite:.data/vault.db' }, 'database_tls', 'warn'],
    ['Redis without TLS in production', { redisUrl: 'redis://cache.internal:6379' }, 'redis_tls', 'fail'],
    [
      'Redis Cluster without TLS in production',
      { redisUrl: null, redisCluster: { tls: false, hosts: ['10.0.0.1', '10.0.0.2'] } },
      'redis_tls',
      'fail',
    ],
    [
      'Redis Cluster without TLS on localhost',
      { redisUrl: null, redisCluster: { tls: false, hosts: ['127.0.0.1', '::1'] } },
      'redis_tls',
      'warn',
    ],
    ['identity enabled', { products: ['transactions', 'identity'] }, 'products', 'warn'],
    ['no webhook URL', { webhookUrl: null }, 'webhook_url', 'warn'],
    ['http webhook in production', { webhookUrl: 'http://app.example.com/hook' }, 'webhook_url', 'fail'],
    ['http webhook in development', { webhookUrl: 'http://localhost:3000/hook', nodeEnv: 'development' }, 'webhook_url', 'warn'],
  ])('%s: %s is %s, with a fix', (_label, facts, id, status) => {
    const result = statusOf(facts, id);
    expect(result?.status).toBe(status);
    expect(result?.fix).toBeTruthy();
  });

  it('a Redis Cluster over TLS is a pass', () => {
    expect(statusOf({ redisUrl: null, redisCluster: { tls: true, hosts: ['10.0.0.1'] } }, 'redis_tls')?.status).toBe('pass');
  });

  it('no Redis configured is a pass (L1 only)', () => {
    expect(statusOf({ redisUrl: null }, 'redis_tls')?.status).toBe('pass');
  });
});
