import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { type VaultConfigInput } from '../../src/types/config.js';
import { isVaultError } from '../../src/errors.js';

type Env = Record<string, string | undefined>;

function refusal(input: VaultConfigInput, env: Env): { code: string; variables: unknown; message: string } | undefined {
  try {
    parseConfig(input, env);
    return undefined;
  } catch (error) {
    if (!isVaultError(error)) throw error;
    return { code: error.code, variables: error.details?.variables, message: error.message };
  }
}

describe('parseConfig defaults', () => {
  const config = parseConfig({}, {});

  it.each<[string, (c: typeof config) => unknown, unknown]>([
    ['database', (c) => c.database, { url: 'sqlite:.data/vault.db', dialect: 'sqlite' }],
    ['no redis', (c) => c.redis, undefined],
    ['namespace', (c) => c.namespace, 'default'],
    ['cache', (c) => c.cache, { l1TtlMs: 300_000, l1Max: 10_000, l2TtlSeconds: 3600, redisTimeoutMs: 50 }],
    ['data dir', (c) => c.dataDir, '.data'],
    ['dev key file', (c) => c.devKeyFile, '.data/dev-keys'],
    ['recovery dir', (c) => c.recoveryDir, '.data/recovery'],
    ['log level', (c) => c.logLevel, 'info'],
    ['auto-migrate', (c) => c.autoMigrate, true],
    ['audit mode', (c) => c.audit, { mode: 'buffered', strictTimeoutMs: 1000 }],
    ['no keys', (c) => [c.keys, c.keysFile], [undefined, undefined]],
    ['no metrics token', (c) => c.metricsToken, undefined],
    ['node env', (c) => c.nodeEnv, 'development'],
    ['plaid env without credentials', (c) => c.plaid.env, 'emulator'],
    ['products', (c) => c.plaid.products, ['transactions']],
    ['country codes', (c) => c.plaid.countryCodes, ['US']],
    ['client name', (c) => c.plaid.clientName, 'plaid-vault'],
    ['duplicate policy', (c) => c.plaid.duplicatePolicy, 'replace'],
  ])('%s', (_name, pick, expected) => {
    expect(pick(config)).toEqual(expected);
  });

  it('puts every default file under VAULT_DATA_DIR', () => {
    const c = parseConfig({}, { VAULT_DATA_DIR: '/var/lib/pv' });
    expect([c.database.url, c.devKeyFile, c.recoveryDir]).toEqual([
      'sqlite:/var/lib/pv/vault.db',
      '/var/lib/pv/dev-keys',
      '/var/lib/pv/recovery',
    ]);
  });
});

describe('parseConfig reads the environment', () => {
  const env: Env = {
    NODE_ENV: 'production',
    VAULT_DATABASE_URL: 'postgres://app@db.internal:5432/vault',
    VAULT_DATABASE_SCHEMA: 'vault_1',
    VAULT_REDIS_URL: 'rediss://cache.internal:6380',
    VAULT_NAMESPACE: 'prod-eu',
    VAULT_CACHE_TTL_MS: '1000',
    VAULT_CACHE_MAX: '0',
    VAULT_REDIS_TTL_S: '60',
    VAULT_REDIS_TIMEOUT_MS: '25',
    VAULT_KEYS_FILE: '/run/secrets/vault-keys',
    VAULT_DATA_DIR: '/data',
    VAULT_RECOVERY_DIR: '/journal',
    VAULT_LOG_LEVEL: 'warn',
    VAULT_AUTO_MIGRATE: 'false',
    VAULT_AUDIT_MODE: 'strict',
    VAULT_AUDIT_STRICT_TIMEOUT_MS: '250',
    PLAID_ENV: 'production',
    PLAID_CLIENT_ID: 'client-id',
    PLAID_SECRET: 'plaid-secret-value',
    PLAID_BASE_URL: 'https://plaid.example.test',
    PLAID_PRODUCTS: 'transactions, auth,identity',
    PLAID_COUNTRY_CODES: 'us,CA',
    PLAID_WEBHOOK_URL: 'https://app.example.test/api/plaid/webhook',
    PLAID_CLIENT_NAME: 'My App',
    PLAID_DUPLICATE_POLICY: 'reject',
  };
  const c = parseConfig({}, env);

  it('maps every variable', () => {
    expect(c.nodeEnv).toBe('production');
    expect(c.database).toEqual({ url: env.VAULT_DATABASE_URL, dialect: 'postgres', schema: 'vault_1' });
    expect(c.redis).toEqual({ url: env.VAULT_REDIS_URL });
    expect(c.namespace).toBe('prod-eu');
    expect(c.cache).toEqual({ l1TtlMs: 1000, l1Max: 0, l2TtlSeconds: 60, redisTimeoutMs: 25 });
    expect(c.keysFile).toBe('/run/secrets/vault-keys');
    expect([c.dataDir, c.recoveryDir, c.devKeyFile]).toEqual(['/data', '/journal', '/data/dev-keys']);
    expect(c.logLevel).toBe('warn');
    expect(c.autoMigrate).toBe(false);
    expect(c.audit).toEqual({ mode: 'strict', strictTimeoutMs: 250 });
    expect(c.plaid).toMatchObject({
      env: 'production',
      clientId: 'client-id',
      baseUrl: 'https://plaid.example.test',
      products: ['transactions', 'auth', 'identity'],
      countryCodes: ['US', 'CA'],
      webhookUrl: env.PLAID_WEBHOOK_URL,
      clientName: 'My App',
      duplicatePolicy: 'reject',
    });
    expect(c.plaid.secret).toBe('plaid-secret-value');
  });

  it('lets explicit input win over the environment', () => {
    const o = parseConfig(
      {
        database: { url: 'sqlite::memory:' },
        redis: null,
        cache: { l1: { max: 5, ttlMs: 7 }, l2: { ttlSeconds: 9, timeoutMs: 11 } },
        keys: 'from-input',
        keysFile: undefined,
        logLevel: 'debug',
        audit: { mode: 'buffered' },
        plaid: { products: ['auth'], env: 'sandbox' },
      },
      { ...env, VAULT_DATABASE_SCHEMA: undefined },
    );
    expect(o.database).toEqual({ url: 'sqlite::memory:', dialect: 'sqlite' });
    expect(o.redis).toBeUndefined();
    expect(o.cache).toEqual({ l1TtlMs: 7, l1Max: 5, l2TtlSeconds: 9, redisTimeoutMs: 11 });
    expect(o.keys).toBe('from-input');
    expect(o.logLevel).toBe('debug');
    expect(o.audit).toEqual({ mode: 'buffered', strictTimeoutMs: 250 });
    expect(o.plaid.products).toEqual(['auth']);
    expect(o.plaid.env).toBe('sandbox');
    expect(o.plaid.clientId).toBe('client-id');
  });

  it('treats the key source as one setting: explicit keys replace VAULT_KEYS_FILE too, and the reverse', () => {
    const fromKeys = parseConfig({ keys: 'k1:x' }, { VAULT_KEYS_FILE: '/run/keys' });
    expect([fromKeys.keys, fromKeys.keysFile]).toEqual(['k1:x', undefined]);
    const fromFile = parseConfig({ keysFile: '/etc/keys' }, { VAULT_KEYS: 'k1:y' });
    expect([fromFile.keys, fromFile.keysFile]).toEqual([undefined, '/etc/keys']);
    const both = parseConfig({}, { VAULT_KEYS: 'k1:y', VAULT_KEYS_FILE: '/run/keys' });
    expect([both.keys, both.keysFile]).toEqual(['k1:y', '/run/keys']); // loadKeyring refuses this pair
  });

  it('keeps an empty VAULT_KEYS so loadKeyring refuses it instead of generating a development key', () => {
    expect(parseConfig({}, { VAULT_KEYS: '' }).keys).toBe('');
  });

  it('takes a Redis URL as input, as a string or { url }', () => {
    expect(parseConfig({ redis: 'redis://127.0.0.1:6379' }, {}).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(parseConfig({ redis: { url: 'redis://127.0.0.1:6380' } }, {}).redis).toEqual({ url: 'redis://127.0.0.1:6380' });
  });

  it('takes a Redis Cluster from VAULT_REDIS_CLUSTER_NODES or as input; either replaces both variables', () => {
    const fromEnv = parseConfig({}, { VAULT_REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' });
    expect(fromEnv.redis).toBeUndefined();
    expect(fromEnv.redisCluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7000 },
      ],
      tls: false,
    });
    const env = { VAULT_REDIS_URL: 'redis://one:6379', VAULT_REDIS_CLUSTER_NODES: 'other:7000' };
    const cluster = parseConfig({ redis: { cluster: ['a:7000', 'b:7000'] } }, env);
    expect([cluster.redis, cluster.redisCluster?.nodes.length]).toEqual([undefined, 2]);
    const single = parseConfig({ redis: 'redis://127.0.0.1:6379' }, env);
    expect([single.redis, single.redisCluster]).toEqual([{ url: 'redis://127.0.0.1:6379' }, undefined]);
    const off = parseConfig({ redis: null }, env);
    expect([off.redis, off.redisCluster]).toEqual([undefined, undefined]);
    expect(parseConfig({}, { VAULT_REDIS_CLUSTER_NODES: '' }).redisCluster).toBeUndefined();
  });

  it('refuses VAULT_REDIS_URL together with VAULT_REDIS_CLUSTER_NODES, and a cluster entry that is not host:port', () => {
    const both = refusal({}, { VAULT_REDIS_URL: 'redis://one:6379', VAULT_REDIS_CLUSTER_NODES: 'a:7000' });
    expect(both).toMatchObject({ code: 'ERR_CONFIG_INVALID', variables: ['VAULT_REDIS_CLUSTER_NODES'] });
    expect(both?.message).toContain('VAULT_REDIS_URL');
    expect(refusal({ redis: { url: 'redis://one:6379', cluster: 'a:7000' } }, {})).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    const bad = refusal({}, { VAULT_REDIS_CLUSTER_NODES: 'a:7000,redis://:hunter2@b:7000/3' });
    expect(bad).toMatchObject({ code: 'ERR_CONFIG_INVALID', variables: ['VAULT_REDIS_CLUSTER_NODES'] });
    expect(bad?.message).toContain('entry 2');
    expect(bad?.message).not.toContain('hunter2');
  });

  it('accepts a database URL string as input', () => {
    expect(parseConfig({ database: 'sqlite:/tmp/x.db' }, {}).database.url).toBe('sqlite:/tmp/x.db');
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({}, { VAULT_REDIS_URL: '', PLAID_PRODUCTS: '', VAULT_CACHE_MAX: '' }).redis).toBeUndefined();
  });

  it('defaults PLAID_ENV to sandbox when credentials are given', () => {
    expect(parseConfig({}, { PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b' }).plaid.env).toBe('sandbox');
  });

  it('is pure: the same arguments give equal configs and the env object is untouched', () => {
    const before = JSON.stringify(env);
    expect(JSON.parse(JSON.stringify(parseConfig({}, env)))).toEqual(JSON.parse(JSON.stringify(c)));
    expect(JSON.stringify(env)).toBe(before);
  });
});

describe('parseConfig refuses with ERR_CONFIG_INVALID naming the variable', () => {
  it.each<[string, Env, VaultConfigInput, string]>([
    ['an unknown database scheme', { VAULT_DATABASE_URL: 'mysql://db/vault' }, {}, 'VAULT_DATABASE_URL'],
    ['a bare path as database', { VAULT_DATABASE_URL: './vault.db' }, {}, 'VAULT_DATABASE_URL'],
    ['sqlite: without a path', { VAULT_DATABASE_URL: 'sqlite:' }, {}, 'VAULT_DATABASE_URL'],
    ['sqlite:// (a URL, not a path)', { VAULT_DATABASE_URL: 'sqlite://vault.db' }, {}, 'VAULT_DATABASE_URL'],
    ['a schema with SQLite', { VAULT_DATABASE_SCHEMA: 'vault' }, {}, 'VAULT_DATABASE_SCHEMA'],
    [
      'a schema that is not an identifier',
      { VAULT_DATABASE_URL: 'postgres://db/v', VAULT_DATABASE_SCHEMA: 'a;drop' },
      {},
      'VAULT_DATABASE_SCHEMA',
    ],
    ['a non-Redis URL', { VAULT_REDIS_URL: 'http://cache:6379' }, {}, 'VAULT_REDIS_URL'],
    ['a namespace with a colon', { VAULT_NAMESPACE: 'a:b' }, {}, 'VAULT_NAMESPACE'],
    ['a negative cache size', { VAULT_CACHE_MAX: '-1' }, {}, 'VAULT_CACHE_MAX'],
    ['a fractional TTL', { VAULT_CACHE_TTL_MS: '1.5' }, {}, 'VAULT_CACHE_TTL_MS'],
    ['a word as a number', { VAULT_REDIS_TTL_S: 'hour' }, {}, 'VAULT_REDIS_TTL_S'],
    ['a zero Redis TTL', { VAULT_REDIS_TTL_S: '0' }, {}, 'VAULT_REDIS_TTL_S'],
    ['a zero Redis timeout', { VAULT_REDIS_TIMEOUT_MS: '0' }, {}, 'VAULT_REDIS_TIMEOUT_MS'],
    ['an unknown log level', { VAULT_LOG_LEVEL: 'loud' }, {}, 'VAULT_LOG_LEVEL'],
    ['a short metrics token', { VAULT_METRICS_TOKEN: 'short' }, {}, 'VAULT_METRICS_TOKEN'],
    ['a non-boolean auto-migrate', { VAULT_AUTO_MIGRATE: 'maybe' }, {}, 'VAULT_AUTO_MIGRATE'],
    ['an unknown audit mode', { VAULT_AUDIT_MODE: 'sync' }, {}, 'VAULT_AUDIT_MODE'],
    ['a zero strict audit timeout', { VAULT_AUDIT_STRICT_TIMEOUT_MS: '0' }, {}, 'VAULT_AUDIT_STRICT_TIMEOUT_MS'],
    ['an empty VAULT_KEYS_FILE', { VAULT_KEYS_FILE: '' }, {}, 'VAULT_KEYS_FILE'],
    ['an unknown PLAID_ENV', { PLAID_ENV: 'development' }, {}, 'PLAID_ENV'],
    ['sandbox without credentials', { PLAID_ENV: 'sandbox' }, {}, 'PLAID_ENV'],
    ['production without credentials', { PLAID_ENV: 'production' }, {}, 'PLAID_ENV'],
    ['a client id without a secret', { PLAID_CLIENT_ID: 'id' }, {}, 'PLAID_SECRET'],
    ['a secret without a client id', { PLAID_SECRET: 'secret' }, {}, 'PLAID_CLIENT_ID'],
    ['an unknown product', { PLAID_PRODUCTS: 'transactions,telepathy' }, {}, 'PLAID_PRODUCTS'],
    ['the balance product', { PLAID_PRODUCTS: 'balance' }, {}, 'PLAID_PRODUCTS'],
    ['a duplicate product', { PLAID_PRODUCTS: 'auth,transactions,auth' }, {}, 'PLAID_PRODUCTS'],
    ['no product (only commas)', { PLAID_PRODUCTS: ',,' }, {}, 'PLAID_PRODUCTS'],
    ['an empty product list as input', {}, { plaid: { products: [] } }, 'PLAID_PRODUCTS'],
    ['a product with the wrong case', { PLAID_PRODUCTS: 'Transactions' }, {}, 'PLAID_PRODUCTS'],
    ['an unknown country', { PLAID_COUNTRY_CODES: 'US,XX' }, {}, 'PLAID_COUNTRY_CODES'],
    ['a duplicate country', { PLAID_COUNTRY_CODES: 'US,us' }, {}, 'PLAID_COUNTRY_CODES'],
    ['a webhook that is not a URL', { PLAID_WEBHOOK_URL: 'example.com/hook' }, {}, 'PLAID_WEBHOOK_URL'],
    ['a webhook with another scheme', { PLAID_WEBHOOK_URL: 'ftp://example.com/hook' }, {}, 'PLAID_WEBHOOK_URL'],
    ['a base URL that is not a URL', { PLAID_BASE_URL: 'localhost:4010' }, {}, 'PLAID_BASE_URL'],
    ['an over-long client name', { PLAID_CLIENT_NAME: 'x'.repeat(101) }, {}, 'PLAID_CLIENT_NAME'],
    ['an unknown duplicate policy', { PLAID_DUPLICATE_POLICY: 'merge' }, {}, 'PLAID_DUPLICATE_POLICY'],
    ['a misspelt input option', {}, { databse: 'sqlite::memory:' } as VaultConfigInput, 'databse'],
    ['a wrongly typed input number', {}, { cache: { l1: { max: 'lots' as unknown as number } } }, 'VAULT_CACHE_MAX'],
  ])('%s', (_name, env, input, variable) => {
    const error = refusal(input, env);
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    expect(error?.variables).toContain(variable);
  });

  it('reports every bad variable at once', () => {
    expect(refusal({}, { VAULT_CACHE_MAX: '-1', PLAID_PRODUCTS: 'balance', VAULT_LOG_LEVEL: 'x' })?.variables).toEqual(
      expect.arrayContaining(['VAULT_CACHE_MAX', 'PLAID_PRODUCTS', 'VAULT_LOG_LEVEL']),
    );
  });

  it('never puts a secret value in the error', () => {
    const secrets = { VAULT_METRICS_TOKEN: 'tiny-secret', PLAID_SECRET: 'the-plaid-secret', VAULT_KEYS: 'k1:c2VjcmV0' };
    const error = refusal({}, { ...secrets, PLAID_ENV: 'bogus' });
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    for (const value of Object.values(secrets)) expect(JSON.stringify(error)).not.toContain(value);
  });
});

describe('a parsed config', () => {
  const secrets = {
    VAULT_KEYS: 'k1:aGVsbG8taGVsbG8taGVsbG8taGVsbG8taGVsbG8hIQ==',
    PLAID_SECRET: 'plaid-secret-d41d8cd98f00b204',
    VAULT_METRICS_TOKEN: 'metrics-token-0123456789abcdef',
  };
  const c = parseConfig(
    {},
    {
      ...secrets,
      PLAID_CLIENT_ID: 'client',
      VAULT_DATABASE_URL: 'postgres://app:db-password-77@db/vault',
      VAULT_REDIS_URL: 'redis://:redis-password-88@cache:6379',
    },
  );
  const hidden = [...Object.values(secrets), 'db-password-77', 'redis-password-88', 'cluster-password-99'];
  const cluster = parseConfig({}, { VAULT_REDIS_CLUSTER_NODES: 'rediss://app:cluster-password-99@a:7000,b:7000' });

  it('still hands the secrets to code that asks for them', () => {
    expect([c.keys, c.plaid.secret, c.metricsToken]).toEqual([secrets.VAULT_KEYS, secrets.PLAID_SECRET, secrets.VAULT_METRICS_TOKEN]);
    expect(c.database.url).toContain('db-password-77');
  });

  it.each<[string, () => string]>([
    ['util.inspect', () => inspect(c, { depth: Infinity })],
    ['util.inspect showHidden', () => inspect(c, { depth: Infinity, showHidden: true })],
    ['format %o', () => format('%o', c)],
    ['format %j', () => format('%j', c)],
    ['JSON.stringify', () => JSON.stringify(c)],
    ['JSON.stringify of the plaid section', () => JSON.stringify(c.plaid)],
    ['util.inspect of the plaid section', () => inspect(c.plaid, { showHidden: true })],
    ['JSON.stringify of the database section', () => JSON.stringify(c.database)],
    ['util.inspect of the redis section', () => inspect(c.redis)],
    ['util.inspect of a cluster config', () => inspect(cluster, { depth: Infinity, showHidden: true })],
    ['JSON.stringify of a cluster config', () => JSON.stringify(cluster)],
    ['JSON.stringify of the cluster section', () => JSON.stringify(cluster.redisCluster)],
    ['a spread copy of the cluster section', () => JSON.stringify({ ...cluster.redisCluster })],
    ['a spread copy', () => JSON.stringify({ ...c, plaid: { ...c.plaid } })],
    ['Object.keys', () => Object.keys(c).join() + Object.keys(c.plaid).join()],
  ])('never prints a secret through %s', (_name, render) => {
    const text = render();
    for (const value of hidden) expect(text).not.toContain(value);
  });

  it('shows that a secret is set', () => {
    expect(JSON.parse(JSON.stringify(c))).toMatchObject({ keys: '[redacted]', plaid: { secret: '[redacted]' } });
    expect(JSON.parse(JSON.stringify(cluster))).toMatchObject({
      redisCluster: { nodes: ['a:7000', 'b:7000'], tls: true, username: 'app', password: '[redacted]' },
    });
  });

  it('still hands the cluster password to the client factory', () => {
    expect(cluster.redisCluster?.password).toBe('cluster-password-99');
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.plaid)).toBe(true);
    expect(Object.isFrozen(c.plaid.products)).toBe(true);
    expect(Object.isFrozen(c.cache)).toBe(true);
    expect(() => {
      (c.cache as { l1Max: number }).l1Max = 1;
    }).toThrow(TypeError);
  });
});
