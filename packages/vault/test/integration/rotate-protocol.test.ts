/**
 * Token rotation against plaid-sandbox and PostgreSQL (+ Redis): the happy
 * path, single-flight, stale caches on other instances, and each failure the
 * protocol must survive (Plaid error, dropped answer, DB down after invalidate).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlaidApi } from 'plaid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import { createFaultyStore, type FaultyStore } from '../fixtures/rotate-faulty-store.js';
import { requireService } from '../helpers/services.js';
import { createMemoryLogger } from './http-harness.js';
import { containsAny, type PlaidEnv, sandboxApi, startPlaidEnv, TOKEN_MARK } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'rotate protocol');
const redisOk = await requireService('redis', 'rotate protocol');

describe.skipIf(!pgOk || !redisOk)('rotation protocol', () => {
  let env: PlaidEnv;
  let vault: Vault;
  let faulty: FaultyStore;
  let api: PlaidApi;
  const USER = 'user-rotate';
  const fast = { writeAttempts: 3, writeBaseMs: 1, pollMs: 10 };
  const logger = createMemoryLogger();

  beforeAll(async () => {
    env = await startPlaidEnv({ db: 'postgres', redis: true });
    faulty = createFaultyStore(createStore({ url: env.schema!.url, schema: env.schema!.schema }));
    vault = await env.vault({ store: faulty, rotation: fast, logger });
    api = sandboxApi(env);
  });
  afterAll(async () => {
    await env?.close();
    await faulty?.close();
  });
  beforeEach(() => {
    env.sb.faults.clear();
    faulty.down = false;
  });

  const tokenOf = (itemId: string) => vault.withToken({ userId: USER, itemId, purpose: 'test.read' }, (t) => t.reveal());
  const alive = (token: string) =>
    api.itemGet({ access_token: token }).then(
      () => true,
      (e: { response?: { data?: { error_code?: string } } }) =>
        e.response?.data?.error_code === 'INVALID_ACCESS_TOKEN' ? false : Promise.reject(e),
    );
  const journal = () => {
    try {
      return readdirSync(join(env.dir, 'recovery')).filter((f) => f.endsWith('.rot'));
    } catch {
      return [];
    }
  };
  async function codeOf(p: Promise<unknown>): Promise<unknown> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    return isVaultError(err) ? err.code : err;
  }
  async function link(): Promise<string> {
    return (await vault.link.sandboxLink({ userId: USER, institutionId: 'ins_109509' })).itemId;
  }

  it('rotates: new token stored, old one dead, version bumped, audited, nothing returned but the outcome', async () => {
    const itemId = await link();
    const old = await tokenOf(itemId);
    const result = await vault.items.rotate({ itemId, userId: USER });
    expect(result).toEqual({ itemId, outcome: 'rotated', tokenVersion: 2 });
    expect(containsAny(result, [TOKEN_MARK])).toBe(false);
    const fresh = await tokenOf(itemId);
    expect(fresh).not.toBe(old);
    expect(await alive(old)).toBe(false);
    expect(await alive(fresh)).toBe(true);
    expect((await vault.items.get({ userId: USER, itemId })).rotatedAt).toBeInstanceOf(Date);
    expect((await vault.audit.list({ itemId })).map((e) => e.action)).toContain('item.rotate');
    expect(journal()).toEqual([]);
    expect(await codeOf(vault.items.rotate({ itemId, userId: 'another-user' }))).toBe('ERR_ITEM_NOT_FOUND');
  });

  it('concurrent callers in one process share one rotation', async () => {
    const itemId = await link();
    const before = env.sb.state.counters['/item/access_token/invalidate'] ?? 0;
    const results = await Promise.all(Array.from({ length: 10 }, () => vault.items.rotate({ itemId })));
    expect(new Set(results.map((r) => r.tokenVersion))).toEqual(new Set([2]));
    expect((env.sb.state.counters['/item/access_token/invalidate'] ?? 0) - before).toBe(1);
  });

  it('an instance holding the old token in L1 recovers by itself (purge, reload, retry once)', async () => {
    const itemId = await link();
    // A second instance without Redis: it never hears the invalidation.
    const other = await env.vault({ redis: null });
    expect((await other.data.accounts({ userId: USER, itemId })).length).toBeGreaterThan(0); // caches the token
    await vault.items.rotate({ itemId });
    expect((await other.data.accounts({ userId: USER, itemId })).length).toBeGreaterThan(0);
    const purposes = (await other.audit.list({ itemId })).map((e) => e.purpose);
    expect(purposes).toContain('accounts.get:retry');
  });

  it('a Plaid error on invalidate changes nothing', async () => {
    const itemId = await link();
    const old = await tokenOf(itemId);
    env.sb.faults.failNext('/item/access_token/invalidate', 429);
    expect(await codeOf(vault.items.rotate({ itemId }))).toBe('ERR_PLAID_RATE_LIMITED');
    expect(await tokenOf(itemId)).toBe(old);
    expect(await alive(old)).toBe(true);
    expect(journal()).toEqual([]);
    await expect(vault.items.rotate({ itemId })).resolves.toMatchObject({ outcome: 'rotated' }); // lease was released
  });

  it('a 500 on invalidate is settled by probing: old token alive, nothing lost', async () => {
    const itemId = await link();
    const old = await tokenOf(itemId);
    env.sb.faults.failNext('/item/access_token/invalidate', 500);
    expect(await codeOf(vault.items.rotate({ itemId }))).toBe('ERR_ROTATION_FAILED');
    expect(await tokenOf(itemId)).toBe(old);
    expect((await vault.items.get({ userId: USER, itemId })).status).toBe('active');
    expect(journal()).toEqual([]);
  });

  it('commit-then-drop on invalidate: the probe finds the old token dead -> relink_required + audit, never silent', async () => {
    const itemId = await link();
    env.sb.faults.set({ commitThenDrop: { '/item/access_token/invalidate': 1 } });
    expect(await vault.items.rotate({ itemId })).toMatchObject({ outcome: 'relink_required' });
    expect((await vault.items.get({ userId: USER, itemId })).status).toBe('relink_required');
    expect((await vault.audit.list({ itemId })).map((e) => e.action)).toContain('item.relink_required');
    expect(await codeOf(vault.data.accounts({ userId: USER, itemId }))).toBe('ERR_ITEM_RELINK_REQUIRED');
    expect(await codeOf(vault.items.rotate({ itemId }))).toBe('ERR_ITEM_RELINK_REQUIRED');
    expect(journal()).toEqual([]);
    // No webhook brings a lost item back to "active".
    const raw = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: itemId, environment: 'sandbox' }, null, 2);
    expect((await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).action).toBe('kept:relink_required');
    expect((await vault.items.get({ userId: USER, itemId })).status).toBe('relink_required');
  });

  it('DB down right after invalidate: the new token waits in the journal and recover() stores it', async () => {
    const itemId = await link();
    const old = await tokenOf(itemId);
    const flaky = await env.vault({
      store: faulty,
      rotation: { ...fast, hooks: { afterStep: (step) => void (step === 'invalidated' && (faulty.down = true)) } },
    });
    const err = await flaky.items.rotate({ itemId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVaultError(err) && err.code).toBe('ERR_ROTATION_FAILED');
    expect(isVaultError(err) && err.details).toMatchObject({ journaled: true });
    expect(faulty.refused).toBeGreaterThanOrEqual(3);
    expect(journal()).toHaveLength(1);
    expect(await alive(old)).toBe(false);
    // Still down: recovery keeps the record.
    expect(await vault.recover()).toMatchObject({ replayed: 0, remaining: 1 });
    faulty.down = false;
    expect(await vault.recover()).toEqual({ replayed: 1, relinkRequired: 0, alreadyApplied: 0, remaining: 0 });
    expect(journal()).toEqual([]);
    const fresh = await tokenOf(itemId);
    expect(await alive(fresh)).toBe(true);
    expect((await vault.data.accounts({ userId: USER, itemId })).length).toBeGreaterThan(0);
    expect((await vault.audit.list({ itemId })).map((e) => e.action)).toContain('recovery.replay');
  });

  it('rotateDue rotates active items older than the cut-off and reports per item', async () => {
    const a = await link();
    expect((await vault.items.get({ userId: USER, itemId: a })).rotatedAt).toBeNull();
    const cutoff = new Date(Date.now() + 1000);
    const dry = await vault.items.rotateDue({ olderThan: cutoff, dryRun: true });
    expect(dry.rotated).toBe(0);
    expect(dry.considered).toBeGreaterThanOrEqual(1);
    const progress: number[] = [];
    const report = await vault.items.rotateDue({ olderThan: cutoff, concurrency: 3, onProgress: (done) => void progress.push(done) });
    expect(report.considered).toBe(dry.considered);
    expect(report.rotated + report.relinkRequired + report.failed.length).toBe(report.considered);
    expect(report.failed).toEqual([]);
    expect(progress.at(-1)).toBe(report.considered);
    expect((await vault.items.get({ userId: USER, itemId: a })).rotatedAt).toBeInstanceOf(Date);
  });

  it('logged the failures above without a token or the Plaid secret', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.filter((l) => l.includes(TOKEN_MARK) || l.includes(env.sb.secret))).toEqual([]);
  });
});

describe.skipIf(!pgOk)('rotateDue streaming and stopping', () => {
  let env: PlaidEnv;
  let vault: Vault;
  /** item id -> rotations it should have had; every linked item is due in every run below. */
  const expected = new Map<string, number>();
  const N_PAGED = Number(process.env.ROTATE_DUE_ITEMS ?? 1200);

  beforeAll(async () => {
    // Its own database and sandbox, so the counts below are exact.
    env = await startPlaidEnv({ db: 'postgres' });
    vault = await env.vault({ rotation: { writeAttempts: 3, writeBaseMs: 1, pollMs: 10 } });
  });
  afterAll(() => env?.close());

  const invalidations = () => env.sb.state.counters['/item/access_token/invalidate'] ?? 0;
  /** Link `n` items, then a cutoff after all of them (a rotation during the run gets a later rotated_at). */
  async function linkDue(n: number): Promise<Date> {
    for (let i = 0; i < n; i++) {
      // One user per item: a second link of one institution for one user replaces the first.
      const { itemId } = await vault.link.sandboxLink({ userId: `user-due-${expected.size}`, institutionId: 'ins_109509' });
      expected.set(itemId, expected.get(itemId) ?? 0);
    }
    await sleep(5);
    return new Date();
  }
  async function expectEachRotatedAsExpected(): Promise<void> {
    await vault.audit.flush();
    const rotations = new Map<string, number>();
    for (let beforeSeq: number | undefined; ;) {
      const page = await vault.audit.list({ limit: 1000, ...(beforeSeq !== undefined && { beforeSeq }) });
      for (const e of page) if (e.action === 'item.rotate' && e.itemId) rotations.set(e.itemId, (rotations.get(e.itemId) ?? 0) + 1);
      if (page.length < 1000) break;
      beforeSeq = page[page.length - 1]!.seq;
    }
    for (const [itemId, n] of expected) expect(rotations.get(itemId) ?? 0, itemId).toBe(n);
  }

  it(`rotates ${N_PAGED} items over several pages, each exactly once`, async () => {
    const cutoff = await linkDue(N_PAGED);
    const before = invalidations();
    const totals = new Set<number>();
    let last = 0;
    const report = await vault.items.rotateDue({
      olderThan: cutoff,
      concurrency: 8,
      onProgress: (done, total) => {
        totals.add(total);
        last = done;
      },
    });
    expect(report).toEqual({ considered: N_PAGED, rotated: N_PAGED, relinkRequired: 0, failed: [] });
    expect(invalidations() - before).toBe(N_PAGED);
    expect([...totals]).toEqual([N_PAGED]);
    expect(last).toBe(N_PAGED);
    for (const id of expected.keys()) expected.set(id, 1);
    await expectEachRotatedAsExpected();
    // Rotated during the run: newer than the cutoff now, nothing left.
    expect(await vault.items.rotateDue({ olderThan: cutoff, dryRun: true })).toMatchObject({ considered: 0 });
  }, 300_000);

  it('a stop after the first rotations returns a partial report; the next run finishes the rest, none twice', async () => {
    const cutoff = await linkDue(30);
    const due = expected.size;
    const before = invalidations();
    const stop = new AbortController();
    const first = await vault.items.rotateDue({
      olderThan: cutoff,
      concurrency: 3,
      pageSize: 7,
      signal: stop.signal,
      onProgress: (done) => void (done >= 4 && stop.abort()),
    });
    expect(first.aborted).toBe(true);
    expect(first.considered).toBeGreaterThanOrEqual(4);
    expect(first.considered).toBeLessThan(due);
    expect(first.rotated + first.relinkRequired + first.failed.length).toBe(first.considered);
    expect(invalidations() - before).toBe(first.rotated);

    const second = await vault.items.rotateDue({ olderThan: cutoff, concurrency: 3, pageSize: 7 });
    expect(second).toEqual({ considered: due - first.considered, rotated: due - first.considered, relinkRequired: 0, failed: [] });
    expect(invalidations() - before).toBe(due);
    for (const [id, n] of expected) expected.set(id, n + 1);
    await expectEachRotatedAsExpected();

    // Already stopped: nothing starts.
    expect(await vault.items.rotateDue({ olderThan: new Date(Date.now() + 60_000), signal: AbortSignal.abort() })).toEqual({
      considered: 0,
      rotated: 0,
      relinkRequired: 0,
      failed: [],
      aborted: true,
    });
  }, 120_000);
});
