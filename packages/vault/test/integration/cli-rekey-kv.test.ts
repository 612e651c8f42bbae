/**
 * `rekey` and `retire-key` sweep an L2 held in a KV REST API (KV_REST_API_URL
 * and KV_REST_API_TOKEN, the real `@upstash/redis` through the REST fixture):
 * SCAN pages, GETs and the invalidation script over HTTP, through the real
 * binary. A KV that does not answer is reported as skipped, never a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2ValueEnvelope } from '../../src/cache/l2-value.js';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import { envelopeKid } from '../../src/crypto/envelope.js';
import type { CacheSweep } from '../../src/keys/cache-sweep.js';
import type { RekeyReport } from '../../src/keys/rekey.js';
import { createVault, type Vault } from '../../src/index.js';
import { silentLogger } from '../../src/types/logger.js';
import { dropNamespace, namespaceKeys } from '../fixtures/cache-helpers.js';
import { freePort } from '../fixtures/cache-redis-server.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { fakeAccessToken, requireService, testNamespace } from '../helpers/services.js';
import { ensureBuilt, json, runCli, transcript } from './cli-harness.js';

const ok = await requireService('redis', 'cli rekey over a KV REST API');
const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const N = 12;

beforeAll(() => ensureBuilt(), 180_000);

describe.skipIf(!ok)('rekey and retire-key sweep an L2 held in a KV REST API', () => {
  const namespace = testNamespace('ckv');
  const records = Array.from({ length: N }, (_, i) => ({ userId: `user-${i % 3}`, itemId: `item-${i}`, accessToken: fakeAccessToken() }));
  let kv: KvRestServer;
  let dir: string;

  beforeAll(async () => {
    kv = await createKvRestServer();
    dir = mkdtempSync(join(tmpdir(), 'pv-ckv-'));
  });
  afterAll(async () => {
    if (kv) await dropNamespace(kv.redis, namespace);
    await kv?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const database = () => `sqlite:${join(dir, 'vault.db')}`;
  const env = (keys: string, url = kv.url): Record<string, string> => ({
    VAULT_DATABASE_URL: database(),
    VAULT_KEYS: keys,
    VAULT_NAMESPACE: namespace,
    KV_REST_API_URL: url,
    KV_REST_API_TOKEN: kv.token,
  });
  /** The kid of each value key's envelope (values are base64 text over REST). */
  async function kids(): Promise<string[]> {
    const layout = l2KeyLayout(namespace);
    const found: string[] = [];
    for (const k of await namespaceKeys(kv.redis, namespace)) {
      if (layout.hashOf(k) === undefined) continue;
      const text = await kv.redis.get(k);
      const envelope = text === null ? undefined : l2ValueEnvelope(Buffer.from(text, 'base64'));
      found.push(envelope ? envelopeKid(envelope) : '?');
    }
    return found;
  }

  /** A vault on the KV with `keys`; flushed (L2 fills landed) and closed after `fn`. */
  async function withVault(keys: string, fn: (vault: Vault) => Promise<void>): Promise<void> {
    const vault = await createVault({ database: database(), keys, namespace, kv: { url: kv.url, token: kv.token }, logger: silentLogger });
    try {
      await fn(vault);
      await vault.flush();
    } finally {
      await vault.close();
    }
  }

  it('rekey sweeps every entry under the old kid over REST; a vault with the new key refills L2', async () => {
    await withVault(K1, async (vault) => {
      for (const r of records) await vault.items.put(r);
      for (const r of records) await vault.withToken({ ...r, purpose: 'test' }, () => undefined);
    });
    expect(await kids()).toEqual(Array.from({ length: N }, () => 'k1'));

    kv.resetStats();
    const run = await runCli(['rekey', '--json'], { env: env(`${K2},${K1}`) });
    expect(run.code).toBe(0);
    const report = json<RekeyReport & { cacheSweep: CacheSweep }>(run);
    expect(report).toMatchObject({ rewrapped: N, failed: [] });
    expect(report.cacheSweep).toMatchObject({ status: 'done', keep: ['k2'], purged: N });
    expect(await kids()).toEqual([]);
    const commands = new Set(kv.log.flatMap((r) => r.commands));
    expect([...commands].filter((c) => ['scan', 'get', 'evalsha'].includes(c)).sort()).toEqual(['evalsha', 'get', 'scan']);

    await withVault(K2, async (vault) => {
      for (const r of records) expect(await vault.withToken({ ...r, purpose: 'test' }, (t) => t.reveal())).toBe(r.accessToken);
    });
    expect(await kids()).toEqual(Array.from({ length: N }, () => 'k2'));
  });

  it('a KV that does not answer: retire-key succeeds and reports the sweep as skipped', async () => {
    const down = env(`${K2},${K1}`, `http://127.0.0.1:${await freePort()}`);
    const run = await runCli(['retire-key', 'k1', '--json'], { env: down });
    expect(run.code).toBe(0);
    expect(json<{ cacheSweep: CacheSweep }>(run).cacheSweep).toMatchObject({ status: 'skipped', code: 'ERR_CACHE_UNAVAILABLE' });
    const human = await runCli(['retire-key', 'k1'], { env: down });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('cache sweep skipped');
  });

  it('doctor pings the KV, and warns when it does not answer', async () => {
    type Doctor = { checks: { id: string; status: string }[] };
    const status = (run: Awaited<ReturnType<typeof runCli>>, id: string) => json<Doctor>(run).checks.find((c) => c.id === id)?.status;
    const up = await runCli(['doctor', '--json'], { env: env(`${K2},${K1}`) });
    expect(status(up, 'redis')).toBe('pass');
    const down = await runCli(['doctor', '--json'], { env: env(`${K2},${K1}`, `http://127.0.0.1:${await freePort()}`) });
    expect(status(down, 'redis')).toBe('warn');
  });

  it('no output held a token, a key or the KV token', () => {
    const all = transcript.join('\n');
    expect(all).toContain('cache sweep');
    for (const r of records) expect(all).not.toContain(r.accessToken);
    for (const secret of [K1.slice(3), K2.slice(3), kv.token]) expect(all).not.toContain(secret);
  });
});
