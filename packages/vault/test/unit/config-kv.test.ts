/** The KV REST API and serverless mode in parseConfig: names, pairs, conflicts, defaults, and a token that never prints. */
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig, type VaultConfigInput } from '../../src/config/index.js';
import { isVaultError } from '../../src/errors.js';

type Env = Record<string, string | undefined>;
const TOKEN = 'AXkvRESTtoken-9f8e7d6c5b4a39281706';
const URL_ = 'https://eu1-fine-kv-12345.upstash.io';

function refused(input: VaultConfigInput, env: Env): { code: string; variables: unknown; message: string } | undefined {
  try {
    parseConfig(input, env);
    return undefined;
  } catch (error) {
    if (!isVaultError(error)) throw error;
    return { code: error.code, variables: error.details?.variables, message: error.message };
  }
}

describe('parseConfig: KV REST API and serverless mode', () => {
  it('has no KV and is not serverless by default; the TCP timeout stays 50 ms', () => {
    const c = parseConfig({}, {});
    expect([c.kv, c.serverless, c.cache.redisTimeoutMs]).toEqual([undefined, false, 50]);
  });

  it.each([
    ["Vercel's names", { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN }],
    ["Upstash's names", { UPSTASH_REDIS_REST_URL: URL_, UPSTASH_REDIS_REST_TOKEN: TOKEN }],
    [
      'both pairs, naming the same database',
      { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN, UPSTASH_REDIS_REST_URL: URL_, UPSTASH_REDIS_REST_TOKEN: TOKEN },
    ],
  ])('reads %s: serverless, a 200 ms default deadline', (_name, env) => {
    const c = parseConfig({}, env);
    expect(c.kv?.url).toBe(URL_);
    expect(c.kv?.token).toBe(TOKEN);
    expect(c.serverless).toBe(true);
    expect(c.cache.redisTimeoutMs).toBe(200);
  });

  it('takes an explicit kv, which replaces both pairs of variables, and VAULT_REDIS_TIMEOUT_MS over the default', () => {
    const c = parseConfig(
      { kv: { url: 'http://127.0.0.1:8079', token: TOKEN } },
      { UPSTASH_REDIS_REST_URL: URL_, VAULT_REDIS_TIMEOUT_MS: '80' },
    );
    expect(c.kv?.url).toBe('http://127.0.0.1:8079');
    expect(c.cache.redisTimeoutMs).toBe(80);
    expect(parseConfig({ kv: null }, { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN }).kv).toBeUndefined();
  });

  it('VAULT_SERVERLESS turns serverless mode on over TCP Redis', () => {
    const c = parseConfig({}, { VAULT_SERVERLESS: '1', VAULT_REDIS_URL: 'rediss://cache:6380' });
    expect([c.serverless, c.redis?.url, c.kv]).toEqual([true, 'rediss://cache:6380', undefined]);
    expect(parseConfig({ serverless: true }, {}).serverless).toBe(true);
  });

  it('VAULT_SERVERLESS turns serverless mode on over a Redis Cluster too', () => {
    const c = parseConfig({}, { VAULT_SERVERLESS: '1', VAULT_REDIS_CLUSTER_NODES: 'a:7000,b:7000' });
    expect([c.serverless, c.redisCluster?.nodes.length, c.redis, c.kv]).toEqual([true, 2, undefined, undefined]);
  });

  it.each<[string, Env, VaultConfigInput, string]>([
    ['a URL without its token', { KV_REST_API_URL: URL_ }, {}, 'KV_REST_API_TOKEN'],
    ['a token without its URL', { UPSTASH_REDIS_REST_TOKEN: TOKEN }, {}, 'UPSTASH_REDIS_REST_URL'],
    ['plain http to a remote host', { KV_REST_API_URL: 'http://kv.example.com', KV_REST_API_TOKEN: TOKEN }, {}, 'KV_REST_API_URL'],
    ['a redis:// URL', { UPSTASH_REDIS_REST_URL: 'redis://kv:6379', UPSTASH_REDIS_REST_TOKEN: TOKEN }, {}, 'UPSTASH_REDIS_REST_URL'],
    [
      'two pairs naming different databases',
      {
        KV_REST_API_URL: URL_,
        KV_REST_API_TOKEN: TOKEN,
        UPSTASH_REDIS_REST_URL: 'https://other.upstash.io',
        UPSTASH_REDIS_REST_TOKEN: TOKEN,
      },
      {},
      'UPSTASH_REDIS_REST_URL',
    ],
    [
      'a KV beside VAULT_REDIS_URL',
      { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN, VAULT_REDIS_URL: 'redis://cache:6379' },
      {},
      'VAULT_REDIS_URL',
    ],
    [
      'a KV beside VAULT_REDIS_CLUSTER_NODES',
      { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN, VAULT_REDIS_CLUSTER_NODES: 'a:7000,b:7000' },
      {},
      'VAULT_REDIS_CLUSTER_NODES',
    ],
    [
      'an explicit kv beside VAULT_REDIS_CLUSTER_NODES',
      { VAULT_REDIS_CLUSTER_NODES: 'a:7000' },
      { kv: { url: URL_, token: TOKEN } },
      'VAULT_REDIS_CLUSTER_NODES',
    ],
    [
      'a KV beside an explicit cluster',
      { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN },
      { redis: { cluster: 'a:7000' } },
      'VAULT_REDIS_CLUSTER_NODES',
    ],
    [
      'a KV with serverless mode turned off',
      { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN, VAULT_SERVERLESS: 'false' },
      {},
      'VAULT_SERVERLESS',
    ],
    ['a VAULT_SERVERLESS that is not a flag', { VAULT_SERVERLESS: 'yes please' }, {}, 'VAULT_SERVERLESS'],
  ])('refuses %s, naming the variable and never the token', (_name, env, input, variable) => {
    const error = refused(input, env);
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    expect(error?.variables).toContain(variable);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it.each<[string, (c: ReturnType<typeof parseConfig>) => string]>([
    ['util.inspect', (c) => inspect(c, { depth: Infinity, showHidden: true })],
    ['format %j', (c) => format('%j', c)],
    ['JSON.stringify', (c) => JSON.stringify(c)],
    ['the kv section', (c) => JSON.stringify(c.kv) + inspect(c.kv, { showHidden: true })],
    ['a spread copy', (c) => JSON.stringify({ ...c, kv: { ...c.kv } })],
  ])('never prints the KV token through %s, and shows it is set', (_name, render) => {
    const c = parseConfig({}, { KV_REST_API_URL: URL_, KV_REST_API_TOKEN: TOKEN });
    const text = render(c);
    expect(text).not.toContain(TOKEN);
    expect(text).toContain(URL_.slice('https://'.length));
    expect(JSON.parse(JSON.stringify(c))).toMatchObject({ kv: { url: URL_, token: '[redacted]' } });
  });
});
