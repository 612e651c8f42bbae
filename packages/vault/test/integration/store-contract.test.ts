/**
 * One contract for TokenStore, run against SQLite (a temp file) and PostgreSQL
 * (a schema of its own). "Two processes" are two store instances, each with its
 * own connection(s), on the same database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewItemRow, TokenStore } from '../../src/store/types.js';
import type { NewAuditEvent } from '../../src/types/audit.js';
import { postgresCases, sqliteHarness, type Harness } from '../helpers/store-harness.js';

const pgCases = await postgresCases('store contract');

const T0 = new Date('2026-01-02T03:04:05.678Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function newItem(itemId: string, userId = 'user-1', over: Partial<NewItemRow> = {}): NewItemRow {
  return {
    itemId,
    userId,
    institutionId: 'ins_1',
    institutionName: 'First Bank',
    products: ['transactions'],
    kid: 'k1',
    envelope: Buffer.from(`envelope-of-${itemId}`),
    ...over,
  };
}

function auditEvent(i: number, over: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    actor: 'test',
    userId: `user-${i % 3}`,
    itemId: `item-${i % 5}`,
    action: 'token.decrypt',
    purpose: `purpose-${i}`,
    outcome: 'ok',
    requestId: `req-${i}`,
    at: at(i),
    ...over,
  };
}

function codeOf(p: PromiseSettledResult<unknown>): string | undefined {
  return p.status === 'rejected' ? (p.reason as { code?: string }).code : undefined;
}

function storeContract(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let h: Harness;
    let a: TokenStore;
    let b: TokenStore;

    beforeAll(async () => {
      h = await makeHarness();
      a = h.open();
      await a.migrate();
      b = h.open();
      await b.migrate();
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      await h?.cleanup();
    });

    it('migrations are idempotent and report when they ran', async () => {
      await a.migrate();
      const status = await b.migrationStatus();
      expect(status.map((m) => m.name)).toEqual(['0001_init', '0002_audit_quarantine']);
      expect(status[0]!.executedAt).toBeInstanceOf(Date);
      await a.ping();
    });

    it('round-trips an item and reads the hot-path envelope', async () => {
      const row = newItem('rt-1', 'user-rt', { products: ['transactions', 'auth'], envelope: Buffer.from([0, 1, 2, 255, 254]) });
      await a.insertItem(row, T0);
      const got = await b.getItem('rt-1');
      expect(got).toEqual({
        ...row,
        status: 'active',
        tokenVersion: 1,
        syncCursor: null,
        needsSync: false,
        rotationLeaseOwner: null,
        rotationLeaseUntil: null,
        createdAt: T0,
        updatedAt: T0,
        rotatedAt: null,
        lastUsedAt: null,
      });
      const env = await b.getEnvelope('rt-1');
      expect(env).toEqual({ userId: 'user-rt', kid: 'k1', envelope: row.envelope, tokenVersion: 1, status: 'active' });
      expect(Buffer.isBuffer(env!.envelope)).toBe(true);
      expect(await a.getItem('missing')).toBeUndefined();
      expect(await a.getEnvelope('missing')).toBeUndefined();
    });

    it('refuses a duplicate item id with ERR_STORE_CONFLICT, without envelope bytes in the error', async () => {
      const secret = 'ENVELOPE-BYTES-MUST-NOT-LEAK';
      await a.insertItem(newItem('dup-1'), T0);
      const err = await b.insertItem(newItem('dup-1', 'user-2', { envelope: Buffer.from(secret) }), T0).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('ERR_STORE_CONFLICT');
      const cause = (err as { cause?: Error }).cause;
      const text = [String(err), JSON.stringify(err), cause?.message, JSON.stringify(cause)].join('\n');
      expect(text).not.toContain(secret);
      expect((await a.getItem('dup-1'))!.userId).toBe('user-1');
    });

    it('lists with filters and keyset paging in item id order, and counts', async () => {
      const ids = ['ls-c', 'ls-a', 'ls-e', 'ls-b', 'ls-d'];
      for (const [i, id] of ids.entries()) {
        await a.insertItem(newItem(id, 'user-ls', { kid: i % 2 ? 'kB' : 'kA', status: i === 4 ? 'revoked' : 'active' }), at(i * 1000));
      }
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await b.listItems({ userId: 'user-ls', limit: 2, ...(after ? { afterItemId: after } : {}) });
        if (rows.length === 0) break;
        seen.push(...rows.map((r) => r.itemId));
        after = rows.at(-1)!.itemId;
      }
      expect(seen).toEqual(['ls-a', 'ls-b', 'ls-c', 'ls-d', 'ls-e']);
      expect((await b.listItems({ userId: 'user-ls', status: 'revoked' })).map((r) => r.itemId)).toEqual(['ls-d']);
      // ls-c, ls-a, ls-e, ... created at 0, 1, 2, ... s; nothing rotated yet, so created_at counts.
      expect((await b.listItems({ userId: 'user-ls', rotatedBefore: at(2000) })).map((r) => r.itemId)).toEqual(['ls-a', 'ls-c']);
      await a.swapToken('ls-a', 1, { kid: 'kB', envelope: Buffer.from('rotated'), rotated: true }, at(9000));
      expect((await b.listItems({ userId: 'user-ls', rotatedBefore: at(2000) })).map((r) => r.itemId)).toEqual(['ls-c']);
      expect(await b.countItems({ userId: 'user-ls' })).toBe(5);
      expect(await b.countItems({ userId: 'user-ls', status: 'active' })).toBe(4);
      expect(await b.countItems({ userId: 'nobody' })).toBe(0);
      const byKid = await b.countByKid();
      expect(byKid.kA).toBe(3);
      expect(byKid.kB).toBe(2);
      expect(await b.countItems()).toBe(Object.values(byKid).reduce((x, y) => x + y, 0));
    });

    it('updates item fields and reports a missing row as false', async () => {
      await a.insertItem(newItem('up-1'), T0);
      const patch = {
        status: 'login_required' as const,
        syncCursor: 'cur-1',
        needsSync: true,
        institutionName: 'Renamed',
        lastUsedAt: at(5),
      };
      expect(await b.updateItem('up-1', patch, at(10))).toBe(true);
      const got = (await a.getItem('up-1'))!;
      expect(got).toMatchObject({ ...patch, institutionId: 'ins_1', updatedAt: at(10), createdAt: T0 });
      expect(await b.updateItem('missing', { needsSync: true }, at(10))).toBe(false);
    });

    it('reads the status alone, from another instance, and a missing row as undefined', async () => {
      await a.insertItem(newItem('st-1', 'user-1', { status: 'login_required' }), T0);
      expect(await b.getItemStatus('st-1')).toBe('login_required');
      await a.updateItem('st-1', { status: 'pending_expiration' }, at(1));
      expect(await b.getItemStatus('st-1')).toBe('pending_expiration');
      expect(await b.getItemStatus('missing')).toBeUndefined();
    });

    it('changeStatus is a compare-and-set on the status', async () => {
      await a.insertItem(newItem('cs-1', 'user-1', { status: 'login_required' }), T0);
      // Guard not met: nothing written.
      expect(await b.changeStatus('cs-1', { to: 'active', from: ['pending_expiration'] }, at(10))).toBe(false);
      expect(await b.changeStatus('cs-1', { to: 'active', from: [] }, at(10))).toBe(false);
      expect((await a.getItem('cs-1'))!).toMatchObject({ status: 'login_required', updatedAt: T0 });
      expect(await b.changeStatus('cs-1', { to: 'active', from: ['pending_expiration', 'login_required'] }, at(20))).toBe(true);
      expect((await a.getItem('cs-1'))!).toMatchObject({ status: 'active', updatedAt: at(20) });
      // Already there: not a change (so not audited twice), with or without a guard.
      expect(await a.changeStatus('cs-1', { to: 'active' }, at(30))).toBe(false);
      expect(await a.changeStatus('cs-1', { to: 'active', from: ['active'] }, at(30))).toBe(false);
      expect((await b.getItem('cs-1'))!.updatedAt).toEqual(at(20));
      // No guard: from any other status.
      expect(await a.changeStatus('cs-1', { to: 'revoked' }, at(40))).toBe(true);
      expect(await b.getItemStatus('cs-1')).toBe('revoked');
      expect(await a.changeStatus('missing', { to: 'active' }, at(40))).toBe(false);
    });

    it('writers racing for the same status change across instances: exactly one changes the row', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `cs-race-${round}`;
        await a.insertItem(newItem(id, 'user-1', { status: 'login_required' }), T0);
        const change = { to: 'active', from: ['login_required'] } as const;
        const results = await Promise.all([a, b, a, b].map((s) => s.changeStatus(id, change, at(round))));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await a.getItemStatus(id)).toBe('active');
      }
    });

    it('deletes an item once', async () => {
      await a.insertItem(newItem('del-1'), T0);
      expect(await b.deleteItem('del-1')).toBe(true);
      expect(await a.getItem('del-1')).toBeUndefined();
      expect(await a.deleteItem('del-1')).toBe(false);
    });

    it('swapToken is a compare-and-swap on token_version', async () => {
      await a.insertItem(newItem('cas-1'), T0);
      const v2 = await a.swapToken('cas-1', 1, { kid: 'k2', envelope: Buffer.from('new-1'), rotated: true }, at(50));
      expect(v2).toBe(2);
      const got = (await b.getItem('cas-1'))!;
      expect(got).toMatchObject({ kid: 'k2', envelope: Buffer.from('new-1'), tokenVersion: 2, rotatedAt: at(50), updatedAt: at(50) });
      const stale = await b.swapToken('cas-1', 1, { kid: 'k3', envelope: Buffer.from('x'), rotated: false }, at(60)).catch((e) => e);
      expect(stale.code).toBe('ERR_STORE_CONFLICT');
      const missing = await b.swapToken('nope', 1, { kid: 'k3', envelope: Buffer.from('x'), rotated: false }, at(60)).catch((e) => e);
      expect(missing.code).toBe('ERR_STORE_CONFLICT');
      expect(
        await a.swapToken('cas-1', 2, { kid: 'k2', envelope: Buffer.from('st'), rotated: false, status: 'relink_required' }, at(70)),
      ).toBe(3);
      expect((await a.getItem('cas-1'))!).toMatchObject({ status: 'relink_required', rotatedAt: at(50), tokenVersion: 3 });
    });

    it('two concurrent swaps with the same expected version: exactly one wins', async () => {
      for (let round = 0; round < 5; round++) {
        const id = `race-${round}`;
        await a.insertItem(newItem(id), T0);
        const results = await Promise.allSettled([
          a.swapToken(id, 1, { kid: 'k1', envelope: Buffer.from('from-a'), rotated: true }, at(1)),
          b.swapToken(id, 1, { kid: 'k1', envelope: Buffer.from('from-b'), rotated: true }, at(1)),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual([2]);
        expect(results.map(codeOf).filter(Boolean)).toEqual(['ERR_STORE_CONFLICT']);
        const winner = results[0]!.status === 'fulfilled' ? 'from-a' : 'from-b';
        expect((await a.getEnvelope(id))!.envelope.toString()).toBe(winner);
      }
    });

    it('rewrapToken swaps the envelope only while the version holds, without bumping it', async () => {
      await a.insertItem(newItem('rw-1'), T0);
      expect(await b.rewrapToken('rw-1', 1, { kid: 'k9', envelope: Buffer.from('rewrapped') }, at(5))).toBe(true);
      expect(await a.getEnvelope('rw-1')).toMatchObject({ kid: 'k9', tokenVersion: 1, envelope: Buffer.from('rewrapped') });
      expect((await a.getItem('rw-1'))!.rotatedAt).toBeNull();
      expect(await b.rewrapToken('rw-1', 2, { kid: 'k8', envelope: Buffer.from('late') }, at(6))).toBe(false);
      expect((await a.getEnvelope('rw-1'))!.kid).toBe('k9');
    });

    it('rewrapTokens writes a batch with a compare-and-swap per row and reports the rows it wrote', async () => {
      const ids = ['rwb-1', 'rwb-2', 'rwb-3', 'rwb-4'];
      for (const id of ids) await a.insertItem(newItem(id), T0);
      // rwb-2 is rotated meanwhile (version 2); rwb-missing was never there.
      await a.swapToken('rwb-2', 1, { kid: 'k1', envelope: Buffer.from('rotated'), rotated: true }, at(1));
      const batch = [...ids, 'rwb-missing'].map((itemId) => ({
        itemId,
        expectedVersion: 1,
        kid: 'k9',
        envelope: Buffer.from([0, 255, ...Buffer.from(`rewrapped-${itemId}`)]),
      }));
      const written = await b.rewrapTokens!(batch, at(7));
      expect([...written].sort()).toEqual(['rwb-1', 'rwb-3', 'rwb-4']);
      for (const id of ['rwb-1', 'rwb-3', 'rwb-4']) {
        const row = (await a.getItem(id))!;
        expect(row).toMatchObject({ kid: 'k9', tokenVersion: 1, updatedAt: at(7), rotatedAt: null });
        expect(row.envelope.equals(batch.find((r) => r.itemId === id)!.envelope)).toBe(true);
      }
      expect(await a.getItem('rwb-2')).toMatchObject({ kid: 'k1', envelope: Buffer.from('rotated'), tokenVersion: 2, updatedAt: at(1) });
      expect(await a.getItem('rwb-missing')).toBeUndefined();
    });

    it('rewrapTokens with an empty batch writes nothing', async () => {
      await a.insertItem(newItem('rwb-empty'), T0);
      expect(await b.rewrapTokens!([], at(9))).toEqual([]);
      expect(await a.getItem('rwb-empty')).toMatchObject({ kid: 'k1', updatedAt: T0 });
    });

    it('leases: one holder at a time across instances, re-entrant, expiring, released by owner only', async () => {
      await a.insertItem(newItem('lease-1'), T0);
      expect(await a.acquireLease('lease-1', 'proc-a', at(1000), at(0))).toBe(true);
      expect(await b.acquireLease('lease-1', 'proc-b', at(1500), at(500))).toBe(false);
      expect(await a.acquireLease('lease-1', 'proc-a', at(2000), at(600))).toBe(true);
      await b.releaseLease('lease-1', 'proc-b'); // not the owner: no effect
      expect(await b.acquireLease('lease-1', 'proc-b', at(2500), at(1999))).toBe(false);
      // After expiry the other instance may take it over.
      expect(await b.acquireLease('lease-1', 'proc-b', at(5000), at(2001))).toBe(true);
      expect((await a.getItem('lease-1'))!).toMatchObject({ rotationLeaseOwner: 'proc-b', rotationLeaseUntil: at(5000) });
      await b.releaseLease('lease-1', 'proc-b');
      expect(await a.acquireLease('lease-1', 'proc-a', at(3000), at(2002))).toBe(true);
      expect(await a.acquireLease('missing', 'proc-a', at(3000), at(0))).toBe(false);
    });

    it('putMarker: concurrent callers across instances agree on one winner; expired markers are taken over', async () => {
      const now = Date.now();
      const tries = Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).putMarker('mk-race', `v${i}`, new Date(now + 3_600_000)));
      const won = await Promise.all(tries);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await a.getMarker('mk-race')).toBe(`v${won.indexOf(true)}`);

      expect(await a.putMarker('mk-old', 'first', new Date(now - 1000))).toBe(true);
      expect(await b.getMarker('mk-old')).toBeUndefined();
      expect(await b.putMarker('mk-old', 'second', null)).toBe(true);
      expect(await a.getMarker('mk-old')).toBe('second');
      expect(await a.putMarker('mk-old', 'third', null)).toBe(false); // no expiry: held for good
      await b.deleteMarker('mk-old');
      expect(await a.getMarker('mk-old')).toBeUndefined();
      expect(await a.getMarker('never-set')).toBeUndefined();
    });

    describe('audit chain', () => {
      it('appends from two instances concurrently into one linear chain that verifies', async () => {
        const batches = Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).appendAudit(Array.from({ length: 5 }, (_, j) => auditEvent(i * 5 + j))),
        );
        await Promise.all(batches);
        expect(await a.verifyAudit()).toEqual({ ok: true, checked: 60 });
        const all = await b.listAudit({ limit: 1000 });
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
        for (let i = 0; i < all.length - 1; i++) expect(all[i]!.prevHash).toBe(all[i + 1]!.hash);
        expect(all.at(-1)!.prevHash).toBe('0'.repeat(64));
      });

      it('lists newest first with filters, limit and beforeSeq', async () => {
        const byItem = await a.listAudit({ itemId: 'item-2' });
        expect(byItem.length).toBe(12);
        expect(byItem.every((e) => e.itemId === 'item-2')).toBe(true);
        expect(byItem.map((e) => e.seq)).toEqual([...byItem.map((e) => e.seq)].sort((x, y) => y - x));
        const page = await a.listAudit({ userId: 'user-1', limit: 3, beforeSeq: 40 });
        expect(page).toHaveLength(3);
        expect(page.every((e) => e.userId === 'user-1' && e.seq < 40)).toBe(true);
        const one = (await a.listAudit({ limit: 1 }))[0]!;
        expect(one).toMatchObject({ seq: 60, actor: 'test', action: 'token.decrypt', outcome: 'ok' });
        expect(one.at).toBeInstanceOf(Date);
        const since = await a.listAudit({ since: at(55) });
        expect(since.map((e) => e.at.getTime() >= at(55).getTime())).not.toContain(false);
        expect(since.length).toBeGreaterThan(0);
        expect(await a.listAudit({ limit: 5000 })).toHaveLength(60);
      });

      it('an edited row fails verification at exactly that seq', async () => {
        const original = (await a.listAudit({ beforeSeq: 24, limit: 1 }))[0]!;
        await h.exec('update audit_events set purpose = ? where seq = ?', ['edited', 23]);
        expect(await b.verifyAudit()).toEqual({ ok: false, checked: 22, firstBrokenSeq: 23, reason: 'hash_mismatch' });
        await h.exec('update audit_events set purpose = ? where seq = ?', [original.purpose, 23]);
        expect(await b.verifyAudit()).toEqual({ ok: true, checked: 60 });
      });

      it('a rewritten prev_hash is reported as prev_mismatch', async () => {
        await h.exec('update audit_events set prev_hash = ? where seq = ?', ['f'.repeat(64), 31]);
        expect(await a.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 31, reason: 'prev_mismatch' });
      });

      it('a deleted row is reported as a gap, and so is a cut tail', async () => {
        // Undo the previous test's edit first: row 31 links to row 30 again.
        const e30 = (await a.listAudit({ beforeSeq: 31, limit: 1 }))[0]!;
        await h.exec('update audit_events set prev_hash = ? where seq = ?', [e30.hash, 31]);
        expect(await a.verifyAudit()).toEqual({ ok: true, checked: 60 });
        await h.exec('delete from audit_events where seq = ?', [60]);
        expect(await b.verifyAudit()).toEqual({ ok: false, checked: 59, firstBrokenSeq: 60, reason: 'gap' });
        await h.exec('delete from audit_events where seq = ?', [12]);
        expect(await b.verifyAudit()).toEqual({ ok: false, checked: 11, firstBrokenSeq: 12, reason: 'gap' });
      });
    });
  });
}

storeContract('SQLite', sqliteHarness);
for (const pgCase of pgCases) {
  describe.skipIf(!pgCase.ready)(pgCase.name, () => {
    storeContract(pgCase.name, pgCase.make);
  });
}
