/**
 * A loop of `await vault.withToken(...)` on L1 hits never yields to the event
 * loop: every await resolves as a microtask, so no timer runs until it ends.
 * Every token use must still be on record, with none dropped: on SQLite
 * through createVault with more calls than the audit buffer holds (100,000),
 * and on PostgreSQL (whose appends need the loop to yield) with a small buffer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createTokenCache } from '../../src/cache/tiered-token-cache.js';
import { open, seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createVault } from '../../src/index.js';
import { withToken } from '../../src/items/with-token.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { systemClock } from '../../src/types/clock.js';
import { silentLogger } from '../../src/types/logger.js';
import { createTestSchema, fakeAccessToken, requireService, testKeys, type TestSchema } from '../helpers/services.js';

const pgOk = await requireService('postgres', 'audit hot path');

/** Timers that ran while `loop` did: 0 proves the loop never yielded. */
async function countTimers(loop: () => Promise<void>): Promise<number> {
  let timers = 0;
  const tick = setInterval(() => void timers++, 0);
  try {
    await loop();
  } finally {
    clearInterval(tick);
  }
  return timers;
}

describe('a withToken loop that never yields: every event written, none dropped', () => {
  it('SQLite, through createVault: 150,000 L1 hits, more than the 100,000-event buffer', { timeout: 120_000 }, async () => {
    const N = 150_000;
    const dir = mkdtempSync(join(tmpdir(), 'pv-hot-'));
    const database = { url: `sqlite:${join(dir, 'vault.db')}` };
    try {
      const vault = await createVault({ database, keys: testKeys('k1'), redis: null, logger: silentLogger });
      const use = { userId: 'user-hot', itemId: 'item-hot', purpose: 'batch' };
      const token = fakeAccessToken();
      let dropped: number;
      try {
        await vault.items.put({ userId: use.userId, itemId: use.itemId, accessToken: token });
        expect(await vault.withToken(use, (t) => t.reveal())).toBe(token); // fills L1
        let same = 0;
        const timers = await countTimers(async () => {
          for (let i = 0; i < N; i++) if ((await vault.withToken(use, (t) => t.reveal())) === token) same += 1;
        });
        expect(timers).toBe(0);
        expect(same).toBe(N);
        dropped = vault.stats().audit.dropped;
      } finally {
        await vault.close();
      }
      expect(dropped).toBe(0);
      const store = createStore(database);
      try {
        // item.put, the warm-up call, then the loop's N calls.
        expect((await store.auditHead()).seq).toBe(N + 2);
        const newest = await store.listAudit({ limit: 1 });
        expect(newest[0]).toMatchObject({ action: 'token.decrypt', itemId: use.itemId, outcome: 'ok' });
        expect(await store.verifyAudit()).toEqual({ ok: true, checked: N + 2 });
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(!pgOk)('PostgreSQL, bounded: a 1,000-event buffer, 5,000 calls', () => {
    let schema: TestSchema;
    let store: TokenStore;

    beforeAll(async () => {
      schema = await createTestSchema('ahp');
      store = createStore({ url: schema.url, schema: schema.schema });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await schema?.drop();
    });

    it('callers past the high-water mark wait for the append under way; nothing is dropped', { timeout: 120_000 }, async () => {
      const N = 5000;
      const keyring = parseKeyring(testKeys('k1'));
      const ref = { itemId: `item-${randomBytes(4).toString('hex')}`, userId: 'user-hot' };
      const token = fakeAccessToken();
      await store.insertItem(
        { ...ref, institutionId: null, institutionName: null, products: [], kid: keyring.activeKid, envelope: seal(keyring, ref, token) },
        new Date(),
      );
      const cache = createTokenCache({
        source: {
          async load(itemId: string) {
            const row = await store.getEnvelope(itemId);
            return row && { userId: row.userId, envelope: row.envelope, version: row.tokenVersion };
          },
          open: (envelope: Buffer, r: { itemId: string; userId: string }) => open(keyring, r, envelope),
        },
        l1: { ttlMs: 60_000 },
      });
      // What createVault assembles for withToken, with a buffer small enough to overflow in a test.
      const audit = createAuditLog({ store, clock: systemClock, logger: silentLogger, maxBatch: 100, maxBuffered: 1000 });
      const ctx = { audit, cache, instanceId: 'vault-hot' } as unknown as Parameters<typeof withToken>[0];
      const use = { ...ref, purpose: 'batch' };
      try {
        expect(await withToken(ctx, use, (t) => t.reveal())).toBe(token); // fills L1
        for (let i = 1; i < N; i++) await withToken(ctx, use, (t) => t.reveal());
        expect(audit.stats().dropped).toBe(0);
      } finally {
        await audit.close();
        await cache.close();
      }
      expect((await store.auditHead()).seq).toBe(N);
      expect(await store.verifyAudit()).toEqual({ ok: true, checked: N });
    });
  });
});
