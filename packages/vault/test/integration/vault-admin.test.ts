/**
 * The admin API of a vault (`vault.keys`, `vault.import`, `vault.doctor`) on a
 * real SQLite file and a real PostgreSQL schema, with L2 in a real Redis under
 * its own namespace: import with line numbers and no token in the report,
 * rekey with progress, a stop and a resume, the L2 sweep of the old kid,
 * retire refused then allowed, usage counts, and the doctor's pass/warn/fail.
 * Import's `verify` runs against plaid-sandbox over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Products } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, readJsonLines, type CreateVaultOptions, type ImportReport, type Vault } from '../../src/index.js';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, dropNamespace, waitFor } from '../fixtures/cache-helpers.js';
import { countKid, l2Kids } from '../fixtures/cache-l2-kids.js';
import { freePort } from '../fixtures/cache-redis-server.js';
import { createTestSchema, fakeAccessToken, requireService, testNamespace, TEST_REDIS_URL, type TestSchema } from '../helpers/services.js';
import { sandboxApi, startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const redisOk = await requireService('redis', 'vault admin API');
const pgOk = await requireService('postgres', 'vault admin API (postgres)');

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const N = 20;

/** The code of a rejection (fails the test when `p` resolves). */
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => 'resolved',
    (err: unknown) => (err as { code?: string }).code,
  );
}

describe.each([
  ['sqlite', redisOk],
  ['postgres', redisOk && pgOk],
] as const)('vault admin API on %s with Redis', (dialect, enabled) => {
  const namespace = testNamespace('adm');
  const records = Array.from({ length: N }, (_, i) => ({
    userId: `user-${i % 3}`,
    itemId: `item-${String(i).padStart(3, '0')}`,
    accessToken: fakeAccessToken(),
  }));
  const stray = fakeAccessToken();
  let dir: string;
  let schema: TestSchema | null = null;
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  const opened: Vault[] = [];

  beforeAll(async () => {
    if (!enabled) return;
    dir = mkdtempSync(join(tmpdir(), 'pv-admin-'));
    if (dialect === 'postgres') schema = await createTestSchema('admin');
    redis = await connectRedis();
  });
  afterAll(async () => {
    for (const v of opened) await v.close().catch(() => {});
    if (redis) await dropNamespace(redis, namespace);
    await redis?.quit();
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const options = (keys: string, extra: CreateVaultOptions = {}): CreateVaultOptions => ({
    database: schema ? { url: schema.url, schema: schema.schema } : `sqlite:${join(dir, 'vault.db')}`,
    dataDir: dir,
    recoveryDir: join(dir, 'recovery'),
    keys,
    redis: TEST_REDIS_URL,
    namespace,
    logger: silentLogger,
    ...extra,
  });
  async function open(keys: string, extra: CreateVaultOptions = {}): Promise<Vault> {
    const vault = await createVault(options(keys, extra));
    opened.push(vault);
    // Until its bus is subscribed, a vault's first loads can be marked stale and skip the L2 fill.
    await waitFor(() => vault.stats().cache.invalidations.localClears >= 1, 5000, 'invalidation bus');
    return vault;
  }
  /** Read `refs` through `vault`, then wait until L2 holds `expected` entries under `kid`. */
  async function readAll(vault: Vault, refs: typeof records, kid: string, expected: number): Promise<void> {
    for (const r of refs) expect(await vault.withToken({ ...r, purpose: 'test' }, (t) => t.reveal())).toBe(r.accessToken);
    await waitFor(async () => countKid(await l2Kids(redis, namespace), kid) === expected, 5000, `${expected} L2 entries under ${kid}`);
  }

  let v1: Vault;
  let v2: Vault;

  it.skipIf(!enabled)(
    'import: good, invalid and duplicate lines by number; stops between records and resumes; no token in the report',
    async () => {
      v1 = await open(K1);
      const lines = [
        ...records.slice(0, 10).map((r) => JSON.stringify(r)),
        `{"userId":"u","itemId":"i","accessToken":"${stray}"`, // line 11: truncated JSON holding a token
        JSON.stringify({ itemId: 'item-x', accessToken: stray }), // line 12: no userId
        JSON.stringify(records[3]), // line 13: a duplicate of line 4
        '',
        ...records.slice(10).map((r) => JSON.stringify(r)), // lines 15..
      ];
      const text = `${lines.join('\n')}\n`;

      // A stop after the fifth record: five in, the rest untouched.
      const stop = new AbortController();
      const seen: number[] = [];
      const partial = await v1.import(readJsonLines(Readable.from([text])), {
        signal: stop.signal,
        onProgress: (p) => {
          seen.push(p.read);
          if (p.read === 5) stop.abort();
        },
      });
      expect(partial).toMatchObject({ read: 5, imported: 5, skipped: 0, invalid: 0, interrupted: true });
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(await v1.keys.usage()).toEqual([{ kid: 'k1', rows: 5, active: true, inKeyring: true }]);

      const report: ImportReport = await v1.import(readJsonLines(Readable.from([text])));
      expect(report).toMatchObject({ read: N + 3, imported: N - 5, skipped: 6, invalid: 2, interrupted: false });
      expect(report.invalidLines.map((l) => l.line)).toEqual([11, 12]);
      for (const l of report.invalidLines) expect(l.reason.length).toBeGreaterThan(0);
      expect(report.skippedLines.map((l) => [l.line, l.itemId])).toEqual([
        [1, 'item-000'],
        [2, 'item-001'],
        [3, 'item-002'],
        [4, 'item-003'],
        [5, 'item-004'],
        [13, 'item-003'],
      ]);
      const printed = JSON.stringify([partial, report]);
      for (const token of [stray, ...records.map((r) => r.accessToken)]) expect(printed).not.toContain(token);

      // Plain entries are checked like lines; their line is their position.
      const plain = await v1.import([records[0]!, { userId: 'u-1', itemId: 'item-bad', accessToken: 'not-a-token' }]);
      expect(plain).toMatchObject({ read: 2, imported: 0, skipped: 1, invalid: 1 });
      expect(plain.invalidLines.map((l) => l.line)).toEqual([2]);

      for (const r of [records[0]!, records[13]!, records[N - 1]!]) {
        expect(await v1.withToken({ ...r, purpose: 'test' }, (t) => t.reveal())).toBe(r.accessToken);
      }
      expect(await v1.keys.usage()).toEqual([{ kid: 'k1', rows: N, active: true, inKeyring: true }]);
    },
  );

  it.skipIf(!enabled)('retire refuses a kid in use, the active kid and an unknown kid', async () => {
    v2 = await open(`${K2},${K1}`);
    expect(await v2.keys.usage()).toEqual([
      { kid: 'k2', rows: 0, active: true, inKeyring: true },
      { kid: 'k1', rows: N, active: false, inKeyring: true },
    ]);
    expect(await codeOf(v2.keys.retire('k1'))).toBe('ERR_KEY_IN_USE');
    expect(await codeOf(v2.keys.retire('k2'))).toBe('ERR_KEY_IN_USE');
    expect(await codeOf(v2.keys.retire('k9'))).toBe('ERR_CRYPTO_KEY_UNKNOWN');
  });

  it.skipIf(!enabled)(
    'rekey reports progress, stops on the signal (and still sweeps L2), then resumes; retire succeeds after',
    async () => {
      await readAll(v1, records, 'k1', N);

      const stop = new AbortController();
      const progress: [number, number][] = [];
      const first = await v2.keys.rekey({
        batch: 5,
        signal: stop.signal,
        onProgress: (done, total) => {
          progress.push([done, total]);
          if (done > 0) stop.abort();
        },
      });
      expect(progress).toEqual([
        [0, N],
        [5, N],
      ]);
      expect(first).toMatchObject({ activeKid: 'k2', total: N, rewrapped: 5, skipped: 0, failed: [], interrupted: true });
      expect(first.kids).toEqual([
        { kid: 'k2', rows: 5, active: true, inKeyring: true },
        { kid: 'k1', rows: N - 5, active: false, inKeyring: true },
      ]);
      // Stopped or not, every L2 entry under k1 goes (also those of rows not re-wrapped yet: they refill).
      expect(first.cacheSweep).toMatchObject({ status: 'done', keep: ['k2'], purged: N });
      expect(countKid(await l2Kids(redis, namespace), 'k1')).toBe(0);

      // The rows still under k1 refill L2 under k1 (a vault holding k1 alone reads them).
      const left = records.filter((r) => !['item-000', 'item-001', 'item-002', 'item-003', 'item-004'].includes(r.itemId));
      await readAll(v1, left, 'k1', N - 5);
      const oldCopy = (await redis.getBuffer([...(await l2Kids(redis, namespace)).keys()][0]!))!;

      const seen: [number, number][] = [];
      const rest = await v2.keys.rekey({ batch: 4, onProgress: (done, total) => seen.push([done, total]) });
      expect(rest).toMatchObject({ total: N - 5, rewrapped: N - 5, skipped: 0, failed: [], interrupted: false });
      expect(seen[0]).toEqual([0, N - 5]);
      expect(seen.at(-1)).toEqual([N - 5, N - 5]);
      expect(rest.cacheSweep).toMatchObject({ status: 'done', keep: ['k2'], purged: N - 5 });
      expect(countKid(await l2Kids(redis, namespace), 'k1')).toBe(0);
      expect(rest.kids).toEqual([
        { kid: 'k2', rows: N, active: true, inKeyring: true },
        { kid: 'k1', rows: 0, active: false, inKeyring: true },
      ]);

      const again = await v2.keys.rekey();
      expect(again).toMatchObject({ total: 0, rewrapped: 0, cacheSweep: { status: 'done', purged: 0 } });
      // A copy under k1 put back after the rekey (a slow fill) goes with the retire.
      const planted = l2KeyLayout(namespace).valueKey(randomBytes(8).toString('base64url'));
      await redis.set(planted, oldCopy, 'EX', 600);
      const retired = await v2.keys.retire('k1');
      expect(retired).toMatchObject({ kid: 'k1', rows: 0, keep: ['k2'], cacheSweep: { status: 'done', keep: ['k2'], purged: 1 } });
      expect(await redis.exists(planted)).toBe(0);

      const only = await open(K2);
      for (const r of records) expect(await only.withToken({ ...r, purpose: 'test' }, (t) => t.reveal())).toBe(r.accessToken);
      const events = await only.audit.list({ limit: 1000 });
      expect(events.filter((e) => e.action === 'key.rekey')).toHaveLength(3);
    },
  );

  it.skipIf(!enabled)('doctor: pass on this vault, warn with a fix, and fail with a fix on an unmigrated database', async () => {
    const report = await v2.doctor();
    expect(report.ok).toBe(true);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    for (const id of ['database', 'migrations', 'redis', 'recovery_journal', 'audit_chain', 'kids', 'item_health']) {
      expect(byId.get(id)).toMatchObject({ status: 'pass' });
    }
    expect(byId.get('keys')).toMatchObject({ status: 'pass', message: expect.stringContaining('from VAULT_KEYS') });
    // No PLAID_WEBHOOK_URL: a warning, with its fix.
    expect(byId.get('webhook_url')).toMatchObject({ status: 'warn', fix: expect.stringContaining('PLAID_WEBHOOK_URL') });
    for (const c of report.checks) {
      if (c.status === 'pass') expect(c.fix).toBeUndefined();
      else expect(c.fix?.length).toBeGreaterThan(0);
    }

    const aborted = new AbortController();
    aborted.abort();
    await expect(v2.doctor({ signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });

    // A fresh database the vault did not migrate, and a Redis that does not answer.
    const fresh = dialect === 'postgres' ? await createTestSchema('admin_fresh') : null;
    try {
      const bare = await createVault({
        ...options(K2),
        database: fresh ? { url: fresh.url, schema: fresh.schema } : `sqlite:${join(dir, 'fresh.db')}`,
        redis: `redis://127.0.0.1:${await freePort()}`,
        migrate: false,
      });
      opened.push(bare);
      const broken = await bare.doctor();
      expect(broken.ok).toBe(false);
      const checks = new Map(broken.checks.map((c) => [c.id, c]));
      expect(checks.get('database')).toMatchObject({ status: 'pass' });
      expect(checks.get('migrations')).toMatchObject({ status: 'fail', fix: 'run plaid-vault migrate' });
      expect(checks.get('redis')).toMatchObject({ status: 'warn', fix: expect.stringContaining('VAULT_REDIS_URL') });
      // After a failed migrations check nothing reads the tables.
      expect(checks.has('kids')).toBe(false);
    } finally {
      await fresh?.drop();
    }
  });
});

describe('vault.import with verify, against plaid-sandbox', () => {
  let env: PlaidEnv;
  beforeAll(async () => {
    env = await startPlaidEnv({ db: 'sqlite' });
  });
  afterAll(() => env?.close());

  it('a live token of its item is imported; a dead token or another item id is invalid; bad credentials stop the import', async () => {
    const plaid = sandboxApi(env);
    const link = async () => {
      const pub = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] });
      const ex = await plaid.itemPublicTokenExchange({ public_token: pub.data.public_token });
      return { itemId: ex.data.item_id, accessToken: ex.data.access_token };
    };
    const [a, b, c] = [await link(), await link(), await link()];
    const dead = fakeAccessToken();

    // Bad credentials: not a verdict on any token, so the import stops and imports nothing.
    const wrong = await env.vault({ plaid: { secret: 'wrong-secret' }, plaidRetry: { attempts: 1 } });
    const failure = await wrong.import([{ userId: 'u1', ...a }], { verify: true }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((failure as { code?: string } | undefined)?.code).toMatch(/^ERR_PLAID_/);
    expect(JSON.stringify(failure)).not.toContain(a.accessToken);
    expect(await wrong.items.list('u1')).toEqual([]);

    const vault = await env.vault();
    const report = await vault.import(
      [
        { userId: 'u1', ...a },
        { userId: 'u1', itemId: 'item-not-its-own', accessToken: b.accessToken },
        { userId: 'u1', itemId: 'item-dead', accessToken: dead },
        { userId: 'u2', ...c },
      ],
      { verify: true },
    );
    expect(report).toMatchObject({ read: 4, imported: 2, skipped: 0, invalid: 2 });
    expect(report.invalidLines).toEqual([
      { line: 2, reason: 'the token belongs to another item id' },
      { line: 3, reason: expect.stringMatching(/^rejected by Plaid \(ERR_PLAID_/) },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/access-sandbox-/);
    // Imported with the institution Plaid reported.
    expect(await vault.items.get({ userId: 'u1', itemId: a.itemId })).toMatchObject({ itemId: a.itemId, institutionId: 'ins_109508' });
    expect(await vault.withToken({ userId: 'u2', itemId: c.itemId, purpose: 'test' }, (t) => t.reveal())).toBe(c.accessToken);
  });
});
