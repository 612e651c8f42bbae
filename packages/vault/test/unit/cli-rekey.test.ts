/**
 * rekey's two write paths on a real (in-memory SQLite) store: per row, and
 * batched through `rewrapTokens` where a row that loses its race mid-batch
 * is finished row by row.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open, rewrap, seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { MAX_FAILED_LISTED, rekey, type RekeyDeps } from '../../src/keys/rekey.js';
import { DecryptFailedError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import type { RewrapRow, TokenStore } from '../../src/store/types.js';
import { systemClock } from '../../src/types/clock.js';
import { fakeAccessToken } from '../helpers/services.js';

const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;
const oldRing = parseKeyring(k1);
const ring = parseKeyring(`${k2},${k1}`);
const N = 23;

let store: TokenStore;
const tokens = new Map<string, string>();

beforeEach(async () => {
  store = createStore({ url: 'sqlite::memory:' });
  await store.migrate();
  for (let i = 0; i < N; i++) {
    const ref = { itemId: `item-${String(i).padStart(2, '0')}`, userId: `user-${i % 3}` };
    const token = fakeAccessToken();
    tokens.set(ref.itemId, token);
    await store.insertItem(
      { ...ref, institutionId: null, institutionName: null, products: [], kid: 'k1', envelope: seal(oldRing, ref, token) },
      new Date(),
    );
  }
});

afterEach(() => store.close());

const deps = (s: RekeyDeps['store'], invalidated: string[] = []): RekeyDeps => ({
  store: s,
  activeKid: 'k2',
  rewrap: (envelope, ref) => rewrap(ring, ref, envelope),
  invalidate: async (id) => void invalidated.push(id),
  clock: systemClock,
  actor: 'test',
});

/** The store without its batched write, so rekey takes the per-row path. */
const perRowOnly = (s: TokenStore): RekeyDeps['store'] => ({
  listItems: (f) => s.listItems(f),
  getItem: (id) => s.getItem(id),
  rewrapToken: (...a) => s.rewrapToken(...a),
  countByKid: () => s.countByKid(),
  appendAudit: (e) => s.appendAudit(e),
});

/** A re-wrap that fails as a row sealed under a lost or damaged key does. */
function failRewrap(): never {
  throw new DecryptFailedError();
}

async function expectAllUnderK2(): Promise<void> {
  expect(await store.countByKid()).toEqual({ k2: N });
  for (const row of await store.listItems({ limit: 100 })) {
    expect(open(parseKeyring(k2), row, row.envelope).reveal()).toBe(tokens.get(row.itemId));
  }
}

describe('rekey', () => {
  it('per row: re-wraps every row across pages, invalidates each, audits once', async () => {
    const invalidated: string[] = [];
    const progress: number[] = [];
    const report = await rekey(deps(perRowOnly(store), invalidated), { batch: 5, onProgress: (done) => progress.push(done) });
    expect(report).toMatchObject({ total: N, rewrapped: N, skipped: 0, failed: [], interrupted: false });
    expect(invalidated.sort()).toEqual([...tokens.keys()].sort());
    expect(progress.at(-1)).toBe(N);
    await expectAllUnderK2();
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.filter((e) => e.action === 'key.rekey')).toHaveLength(1);
  });

  it("batched on the store's own rewrapTokens: one write per page, pages pipelined, every row invalidated", async () => {
    const invalidated: string[] = [];
    const batches: number[] = [];
    const counted: RekeyDeps['store'] = {
      ...perRowOnly(store),
      rewrapTokens: (rows, now) => (batches.push(rows.length), store.rewrapTokens!(rows, now)),
    };
    const report = await rekey(deps(counted, invalidated), { batch: 5 });
    expect(report).toMatchObject({ total: N, rewrapped: N, skipped: 0, failed: [], interrupted: false });
    expect(batches).toEqual([5, 5, 5, 5, 3]);
    expect(invalidated.sort()).toEqual([...tokens.keys()].sort());
    await expectAllUnderK2();
  });

  it('a large page is written in concurrent slices, each row once', async () => {
    const now = new Date();
    for (let i = N; i < 650; i++) {
      const ref = { itemId: `item-${String(i).padStart(3, '0')}`, userId: 'user-big' };
      await store.insertItem(
        { ...ref, institutionId: null, institutionName: null, products: [], kid: 'k1', envelope: seal(oldRing, ref, 't') },
        now,
      );
    }
    const slices: number[] = [];
    const counted: RekeyDeps['store'] = {
      ...perRowOnly(store),
      rewrapTokens: (rows, at) => (slices.push(rows.length), store.rewrapTokens!(rows, at)),
    };
    const report = await rekey(deps(counted), { batch: 1000 });
    expect(report).toMatchObject({ total: 650, rewrapped: 650, failed: [] });
    expect(slices).toEqual([217, 217, 216]);
    expect(await store.countByKid()).toEqual({ k2: 650 });
  });

  it('a row that cannot be opened is reported once and left as it is; the rest of its page is written', async () => {
    const broken = await store.getItem('item-07');
    await store.rewrapToken('item-07', 1, { kid: 'k1', envelope: Buffer.from(broken!.envelope).fill(0, 10, 20) }, new Date());
    const report = await rekey(deps(store), { batch: 5 });
    expect(report).toMatchObject({ total: N, rewrapped: N - 1, failed: [{ itemId: 'item-07', code: 'ERR_CRYPTO_DECRYPT_FAILED' }] });
    expect(await store.countByKid()).toEqual({ k1: 1, k2: N - 1 });
  });

  it('every failed row is counted, the first MAX_FAILED_LISTED are listed', async () => {
    const extra = MAX_FAILED_LISTED + 7 - N;
    for (let i = 0; i < extra; i++) {
      const ref = { itemId: `extra-${String(i).padStart(4, '0')}`, userId: 'user-x' };
      await store.insertItem(
        { ...ref, institutionId: null, institutionName: null, products: [], kid: 'k1', envelope: seal(oldRing, ref, fakeAccessToken()) },
        new Date(),
      );
    }
    const total = N + extra;
    const report = await rekey({ ...deps(store), rewrap: failRewrap }, { batch: 200 });
    expect(report).toMatchObject({ total, rewrapped: 0, failedCount: total });
    expect(report.failed).toHaveLength(MAX_FAILED_LISTED);
    expect(new Set(report.failed.map((f) => f.code))).toEqual(new Set(['ERR_CRYPTO_DECRYPT_FAILED']));
    const [event] = await store.listAudit({ limit: 1 });
    expect(event).toMatchObject({ action: 'key.rekey', outcome: 'error', purpose: `to k2: 0 rewrapped, 0 skipped, ${total} failed` });
    expect(await store.countByKid()).toEqual({ k1: total });
  });

  it('batched: a row that loses its race inside the batch is finished row by row', async () => {
    const batches: number[] = [];
    const batched: RekeyDeps['store'] = {
      listItems: (f) => store.listItems(f),
      getItem: (id) => store.getItem(id),
      rewrapToken: (...a) => store.rewrapToken(...a),
      countByKid: () => store.countByKid(),
      appendAudit: (e) => store.appendAudit(e),
      async rewrapTokens(rows: readonly RewrapRow[], now: Date) {
        batches.push(rows.length);
        const written: string[] = [];
        // The first row of each batch "loses" (as if rotated meanwhile): not written, not returned.
        for (const row of rows.slice(1)) {
          if (await store.rewrapToken(row.itemId, row.expectedVersion, row, now)) written.push(row.itemId);
        }
        return written;
      },
    };
    const report = await rekey(deps(batched), { batch: 10 });
    expect(batches).toEqual([10, 10, 3]);
    expect(report).toMatchObject({ rewrapped: N, failed: [] });
    await expectAllUnderK2();
  });

  it('a run stopped by its signal reports interrupted; the next run finishes the rest', async () => {
    const stop = new AbortController();
    const first = await rekey(deps(store), { batch: 4, signal: stop.signal, onProgress: (done) => done >= 4 && stop.abort() });
    expect(first).toMatchObject({ rewrapped: 4, interrupted: true });
    const second = await rekey(deps(store), { batch: 4 });
    expect(second).toMatchObject({ total: N - 4, rewrapped: N - 4, interrupted: false });
    await expectAllUnderK2();
  });
});
