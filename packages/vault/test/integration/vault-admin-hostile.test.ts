/**
 * The admin API under hostile input and races (review of issue 12/13's admin
 * calls): entries that are not objects or not what a reader makes, a source
 * query that fails on a row holding a token, an import racing a put of the
 * same item from another instance, and a rekey that is still running when its
 * vault closes. Real SQLite files, a real PostgreSQL schema, a real Redis.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, readJsonLines, readPostgres, type CreateVaultOptions, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, dropNamespace } from '../fixtures/cache-helpers.js';
import { createTestSchema, fakeAccessToken, requireService, testNamespace, TEST_REDIS_URL, type TestSchema } from '../helpers/services.js';

const pgOk = await requireService('postgres', 'vault admin under hostile input (postgres source)');
const redisOk = await requireService('redis', 'vault admin under hostile input (sweep after close)');

const K1 = `k1:${randomBytes(32).toString('base64')}`;
const K2 = `k2:${randomBytes(32).toString('base64')}`;

/** Everything an error shows a logger: message, stack, cause chain, own fields. */
const shown = (err: unknown) => `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)}`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('resolved'),
    (err: unknown) => err,
  );
}

/** The store with some methods replaced (a failure-injection wrapper: every other method is the store's own). */
function wrapStore(store: TokenStore, replaced: Partial<Pick<TokenStore, 'getItem' | 'listItems'>>): TokenStore {
  return new Proxy(store, {
    get(target, name) {
      if (name in replaced) return replaced[name as keyof typeof replaced];
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

let dir: string;
const opened: Vault[] = [];
const stores: TokenStore[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pv-hostile-'));
});
afterAll(async () => {
  for (const v of opened) await v.close().catch(() => {});
  for (const s of stores) await s.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string, extra: CreateVaultOptions = {}): Promise<Vault> {
  const vault = await createVault({
    database: `sqlite:${join(dir, file)}`,
    keys: K1,
    recoveryDir: join(dir, 'recovery'),
    logger: silentLogger,
    ...extra,
  });
  opened.push(vault);
  return vault;
}

describe('vault.import: hostile entries', () => {
  it('an entry that is not an object, or not what a reader makes, is an invalid line: no TypeError quoting it, nothing stored', async () => {
    const vault = await open('entries.db');
    const token = fakeAccessToken();
    const good = { userId: 'u1', itemId: 'item-good', accessToken: fakeAccessToken() };
    const entries: unknown[] = [
      token, // 1: a bare token string ('ok' in "access-..." threw a TypeError quoting it)
      null, // 2
      42, // 3
      [token], // 4
      { ok: true }, // 5: reader-shaped, no record
      { ok: true, record: { line: 6, userId: 'u1', itemId: 'item-6', accessToken: token } }, // 6: record token not a Secret
      { ok: false, line: 7 }, // 7: no reason
      { userId: 'u1', itemId: 'bad id with spaces', accessToken: token }, // 8
      good, // 9
    ];
    const report = await vault.import(entries as never);
    expect(report).toMatchObject({ read: 9, imported: 1, skipped: 0, invalid: 8, interrupted: false });
    expect(report.invalidLines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(JSON.stringify(report)).not.toContain(token);
    expect((await vault.keys.usage())[0]).toMatchObject({ kid: 'k1', rows: 1 });
    expect(await vault.withToken({ userId: 'u1', itemId: 'item-good', purpose: 'test' }, (t) => t.reveal())).toBe(good.accessToken);
  });

  it('JSON lines with __proto__ and constructor keys read no inherited field and pollute nothing', async () => {
    const vault = await open('proto.db');
    const token = fakeAccessToken();
    const lines = [
      `{"__proto__":{"userId":"u1","itemId":"item-p","accessToken":"${token}"}}`,
      `{"constructor":{"prototype":{"polluted":true}},"userId":"u1","itemId":"item-c","accessToken":"${token}"}`,
    ];
    const report = await vault.import(readJsonLines(Readable.from([`${lines.join('\n')}\n`])));
    expect(report).toMatchObject({ read: 2, imported: 1, invalid: 1 });
    expect(report.invalidLines.map((l) => l.line)).toEqual([1]);
    expect(JSON.stringify(report)).not.toContain(token);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).userId).toBeUndefined();
  });
});

describe('vault.import racing a put of the same item', () => {
  it('a put landing between the existence check and the write is kept: the import skips, never overwrites', async () => {
    const other = await open('race.db');
    const legacyToken = fakeAccessToken();
    const freshToken = fakeAccessToken();
    const store = createStore({ url: `sqlite:${join(dir, 'race.db')}` });
    stores.push(store);
    let armed = true;
    // Another instance links the item right after this one found it absent (the window holds a Plaid /item/get with verify).
    const racing = wrapStore(store, {
      getItem: async (itemId) => {
        const row = await store.getItem(itemId);
        if (armed && itemId === 'item-race') {
          armed = false;
          await other.items.put({ userId: 'u1', itemId: 'item-race', accessToken: freshToken });
        }
        return row;
      },
    });
    const vault = await open('race.db', { store: racing, migrate: false });
    const report = await vault.import([{ userId: 'u1', itemId: 'item-race', accessToken: legacyToken }]);
    expect(armed).toBe(false);
    expect(report).toMatchObject({ read: 1, imported: 0, skipped: 1, invalid: 0 });
    expect(report.skippedLines).toEqual([{ line: 1, itemId: 'item-race', reason: 'already present' }]);
    expect(await other.withToken({ userId: 'u1', itemId: 'item-race', purpose: 'test' }, (t) => t.reveal())).toBe(freshToken);
  });
});

describe.skipIf(!pgOk)('readPostgres: a query failing on a row', () => {
  let legacy: TestSchema;
  beforeAll(async () => {
    legacy = await createTestSchema('legacy');
  });
  afterAll(async () => {
    await legacy?.drop();
  });

  it('a failure while rows are fetched is ERR_INPUT_INVALID with the SQLSTATE, and nothing of it quotes the row', async () => {
    const token = fakeAccessToken();
    await legacy.exec(
      `create table plaid_items (uid text, iid text, tok text); insert into plaid_items values ('u1', 'item-l', '${token}')`,
    );
    const vault = await open('source.db');
    // The cast runs per row at FETCH (not at DECLARE): pg's message is `invalid input syntax for type integer: "access-..."`.
    const query = `select uid as user_id, iid as item_id, tok::int as access_token from "${legacy.schema}".plaid_items`;
    const err = await rejection(vault.import(readPostgres(legacy.url, query)));
    expect(err).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { sqlstate: '22P02' } });
    expect(shown(err)).not.toContain(token);
    expect(shown(err)).not.toContain('access-sandbox');

    // The same at DECLARE (a constant folded by the planner) keeps no pg error either.
    const folded = `select 'u1' as user_id, 'item-l' as item_id, '${token}'::int as access_token`;
    const early = await rejection(vault.import(readPostgres(legacy.url, folded)));
    expect(early).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { sqlstate: '22P02' } });
    expect(shown(early)).not.toContain(token);
    expect((await vault.keys.usage())[0]).toMatchObject({ rows: 0 });
  });
});

describe.skipIf(!redisOk)('vault.keys while the vault closes', () => {
  const namespace = testNamespace('hcl');
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  beforeAll(async () => {
    redis = await connectRedis();
  });
  afterAll(async () => {
    await dropNamespace(redis, namespace);
    await redis.quit();
  });

  it('a rekey still running at close() opens no Redis connection for its sweep (skipped), and a host-owned store stays usable', async () => {
    const file = join(dir, 'close.db');
    const first = await open('close.db', { redis: TEST_REDIS_URL, namespace });
    for (let i = 0; i < 30; i++) await first.items.put({ userId: 'u1', itemId: `item-${i}`, accessToken: fakeAccessToken() });
    const store = createStore({ url: `sqlite:${file}` });
    stores.push(store);
    let pages = 0;
    let closing: Promise<void> | undefined;
    // The vault closes (and close() returns) while the rekey is between pages; a host-owned store stays open.
    const closingMidRun = wrapStore(store, {
      listItems: async (filter) => {
        if (++pages === 2) await (closing = vault.close());
        return store.listItems(filter);
      },
    });
    const vault = await createVault({ store: closingMidRun, keys: `${K2},${K1}`, redis: TEST_REDIS_URL, namespace, logger: silentLogger });
    const result = await vault.keys.rekey({ batch: 10 });
    await closing;
    expect(closing).toBeDefined();
    expect(result).toMatchObject({ total: 30, rewrapped: 30, failed: [] });
    expect(result.cacheSweep).toMatchObject({ status: 'skipped', code: 'ERR_CACHE_UNAVAILABLE' });
    // And any later sweep: no connection opened after close.
    expect((await vault.keys.retire('k1')).cacheSweep).toMatchObject({ status: 'skipped' });
  });
});
