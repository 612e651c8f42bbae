/**
 * The vault wired to a KV REST API and to serverless mode: from the
 * environment (Vercel's and Upstash's variable names), `health()`, the EVALSHA
 * to EVAL fallback after the KV lost its scripts, no subscriber with
 * VAULT_SERVERLESS on TCP Redis, no in-process cache in serverless mode without
 * L2, and `@upstash/redis` loaded only on demand: without it, a KV
 * configuration is ERR_CONFIG_INVALID naming the package.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, createVaultFromEnv, type Vault } from '../../src/index.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, dropNamespace } from '../fixtures/cache-helpers.js';
import { freePort, redisServer, type RedisServer } from '../fixtures/cache-redis-server.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { fakeAccessToken, requireService, TEST_REDIS_URL, testKeys, testNamespace } from '../helpers/services.js';
import { ensureBuilt } from './cli-harness.js';

const ok = await requireService('redis', 'vault on a KV REST API');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const run = promisify(execFile);

describe('@upstash/redis is loaded only when a KV is configured', () => {
  beforeAll(() => ensureBuilt(), 180_000);
  const script = (env: Record<string, string>) =>
    run(process.execPath, ['--import', join(FIXTURES, 'without-package.mjs'), join(FIXTURES, 'kv-vault-script.mjs')], {
      env: { ...process.env, ...env },
    }).then(({ stdout }) => JSON.parse(stdout) as Record<string, unknown>);

  it('without the package a KV configuration is ERR_CONFIG_INVALID naming @upstash/redis; with it the vault opens', async () => {
    const missing = await script({ PV_HIDE_PACKAGE: '@upstash/redis' });
    expect(missing).toMatchObject({ opened: false, code: 'ERR_CONFIG_INVALID', details: { package: '@upstash/redis' } });
    expect(missing.message).toContain('npm install @upstash/redis');
    expect(JSON.stringify(missing)).not.toContain('kv-token-never-sent');
    expect(await script({})).toEqual({ opened: true, bus: 'disabled', l2: true });
  });
});

describe.skipIf(!ok)('a vault on a KV REST API, and serverless mode', () => {
  let kv: KvRestServer;
  const namespace = testNamespace('kvv');
  const vaults: Vault[] = [];
  const newRef = () => ({ userId: `user-${randomBytes(3).toString('hex')}`, itemId: `item-${randomBytes(5).toString('hex')}` });
  const track = (vault: Vault) => (vaults.push(vault), vault);

  beforeAll(async () => {
    kv = await createKvRestServer();
  });
  afterAll(async () => {
    kv?.release();
    await Promise.all(vaults.map((v) => v.close()));
    const redis = await connectRedis();
    await dropNamespace(redis, namespace);
    await redis.quit();
    await kv?.close();
  });

  it.each([
    ['Vercel', 'KV_REST_API_URL', 'KV_REST_API_TOKEN'],
    ['Upstash', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'],
  ])("reads %s's variable names; health() reports the KV, and a KV that does not answer as down", async (_who, urlVar, tokenVar) => {
    const vault = track(
      await createVaultFromEnv({
        VAULT_DATABASE_URL: 'sqlite::memory:',
        VAULT_KEYS: testKeys('k1'),
        VAULT_NAMESPACE: namespace,
        VAULT_LOG_LEVEL: 'silent',
        [urlVar]: kv.url,
        [tokenVar]: kv.token,
      }),
    );
    const ref = newRef();
    const token = fakeAccessToken();
    await vault.items.put({ ...ref, accessToken: token });
    kv.resetStats();
    expect(await vault.withToken({ ...ref, purpose: 'kv-env' }, (t) => t.reveal())).toBe(token);
    expect(kv.stats().requests).toBeGreaterThan(0);
    expect(vault.stats().cache).toMatchObject({ bus: 'disabled', l2: { enabled: true } });
    expect((await vault.health()).redis).toBe('ok');
    kv.hold();
    try {
      expect((await vault.health()).redis).toBe('down');
    } finally {
      kv.release();
    }
  });

  it('VAULT_SERVERLESS on TCP Redis opens no subscriber: nobody listens on the invalidation channel', async () => {
    const ns = testNamespace('kvs');
    const vault = track(
      await createVault({
        database: 'sqlite::memory:',
        keys: testKeys('k1'),
        namespace: ns,
        redis: TEST_REDIS_URL,
        serverless: true,
        logger: silentLogger,
      }),
    );
    const ref = newRef();
    await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
    await vault.withToken({ ...ref, purpose: 'serverless-tcp' }, () => undefined);
    const redis = await connectRedis();
    try {
      const [, listeners] = (await redis.pubsub('NUMSUB', `pv:${ns}:inval`)) as [string, number];
      expect(listeners).toBe(0);
      expect(vault.stats().cache.bus).toBe('disabled');
      expect(vault.stats().cache.invalidations.published).toBeGreaterThan(0);
      await dropNamespace(redis, ns);
    } finally {
      await redis.quit();
    }
  });

  it('serverless mode without any L2 keeps no token in process: every use reads the database', async () => {
    const vault = track(await createVault({ database: 'sqlite::memory:', keys: testKeys('k1'), serverless: true, logger: silentLogger }));
    const ref = newRef();
    await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
    for (let i = 0; i < 3; i += 1) await vault.withToken({ ...ref, purpose: 'serverless-l1' }, () => undefined);
    expect(vault.stats().cache).toMatchObject({ loads: 3, l1: { size: 0 }, l2: { enabled: false } });
  });

  describe('a KV that lost its scripts (a private redis-server behind a second fixture)', () => {
    let server: RedisServer;
    let own: KvRestServer;
    beforeAll(async () => {
      server = redisServer(await freePort());
      await server.start();
      own = await createKvRestServer({ redisUrl: server.url });
    });
    afterAll(async () => {
      await own?.close();
      await server?.kill();
    });

    it('falls back from EVALSHA to EVAL: fills and invalidations still land', async () => {
      const vault = track(
        await createVault({
          database: 'sqlite::memory:',
          keys: testKeys('k1'),
          kv: { url: own.url, token: own.token },
          logger: silentLogger,
        }),
      );
      const ref = newRef();
      await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
      await own.redis.script('FLUSH');
      own.resetStats();
      await vault.withToken({ ...ref, purpose: 'noscript' }, () => undefined);
      await vault.flush();
      expect(own.log.filter((r) => r.path === '/').flatMap((r) => r.commands)).toEqual(['evalsha', 'eval']);
      const valueKeys = (await own.redis.keys('pv:default:{*')).length;
      expect(valueKeys).toBe(1);
      await own.redis.script('FLUSH');
      own.resetStats();
      await vault.items.delete(ref);
      expect(own.log.flatMap((r) => r.commands)).toEqual(['evalsha', 'eval']);
      expect((await own.redis.keys('pv:default:{*')).length).toBe(0);
    });
  });
});
