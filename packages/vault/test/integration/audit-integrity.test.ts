/**
 * The audit chain against someone with write access to the database, on SQLite
 * and PostgreSQL: rows inserted beyond the head or before the first, a row that
 * blocks appends (refused loudly, never overwritten; quarantined without
 * deleting it), and a cut tail with a rewritten head, which only an anchor kept
 * outside the database reveals.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenStore } from '../../src/store/types.js';
import type { AuditEvent, NewAuditEvent } from '../../src/types/audit.js';
import { INSERT_AUDIT_ROW, forgedAuditRow } from '../helpers/forge-audit-row.js';
import { postgresCases, sqliteHarness, type Harness } from '../helpers/store-harness.js';

const pgCases = await postgresCases('audit integrity');

const T0 = Date.parse('2026-02-03T04:05:06.789Z');

function events(from: number, count: number, purpose = 'sync'): NewAuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    actor: 'api',
    userId: `user-${(from + i) % 3}`,
    itemId: `item-${(from + i) % 4}`,
    action: 'token.decrypt',
    purpose,
    outcome: 'ok',
    requestId: null,
    at: new Date(T0 + (from + i) * 1000),
  }));
}

const errorCode = (err: unknown) => (err as { code?: string }).code;

function integritySuite(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`audit integrity on ${name}`, () => {
    let h: Harness;
    let store: TokenStore;

    beforeEach(async () => {
      h = await makeHarness();
      store = h.open();
      await store.migrate();
      await store.appendAudit(events(1, 10));
    });
    afterEach(async () => {
      await store.close();
      await h.cleanup();
    });

    const row = async (seq: number): Promise<AuditEvent> => (await store.listAudit({ beforeSeq: seq + 1, limit: 1 }))[0]!;

    /** A row as an attacker would write it: linked to `prevHash` and hashed exactly as the vault hashes. */
    async function forge(seq: number, prevHash: string): Promise<string> {
      const row = forgedAuditRow(seq, prevHash, new Date(T0 + seq * 1000));
      await h.exec(INSERT_AUDIT_ROW, row.params);
      return row.hash;
    }

    it.each([11, 40])(
      'a perfectly linked row inserted at seq %i (beyond the head at 10) fails verify as beyond_head, and is not listed',
      async (seq) => {
        await forge(seq, (await row(10)).hash);
        expect(await store.verifyAudit()).toEqual({ ok: false, checked: 10, firstBrokenSeq: seq, reason: 'beyond_head' });
        expect((await store.listAudit({ limit: 1 }))[0]!.seq).toBe(10);
        expect((await store.listAudit({ limit: 1000 })).some((e) => e.purpose === 'forged')).toBe(false);
        expect(await store.auditRowOutsideChain()).toBe(seq);
      },
    );

    it('a row inserted before the first fails verify as before_genesis', async () => {
      await forge(0, '0'.repeat(64));
      expect(await store.verifyAudit()).toEqual({ ok: false, checked: 0, firstBrokenSeq: 0, reason: 'before_genesis' });
      expect(await store.auditRowOutsideChain()).toBe(0);
    });

    it.each([11, 15])(
      'a row at seq %i blocks appends with ERR_AUDIT_CHAIN_BLOCKED, untouched; quarantine moves it aside and appends resume',
      async (seq) => {
        const forgedHash = await forge(seq, (await row(10)).hash);
        for (let i = 0; i < 3; i++) {
          // Every append is refused, however many events it carries: none may overwrite or chain onto the row.
          expect(errorCode(await store.appendAudit(events(11 + i, 1 + i * 10)).catch((e: unknown) => e))).toBe('ERR_AUDIT_CHAIN_BLOCKED');
        }
        expect((await store.auditHead()).seq).toBe(10);
        expect(await store.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: seq, reason: 'beyond_head' });

        const moved = await store.quarantineAudit();
        expect(moved.map((e) => ({ seq: e.seq, purpose: e.purpose, hash: e.hash }))).toEqual([
          { seq, purpose: 'forged', hash: forgedHash },
        ]);
        expect(await store.auditRowOutsideChain()).toBeUndefined();
        await store.appendAudit(events(11, 5));
        expect(await store.verifyAudit()).toEqual({ ok: true, checked: 15 });
        expect(await store.quarantineAudit()).toEqual([]);
        // The evidence is kept, not deleted.
        expect(await h.query('select seq, purpose, hash from audit_quarantine', [])).toEqual([
          { seq, purpose: 'forged', hash: forgedHash },
        ]);
      },
    );

    it('a cut tail with a rewritten head verifies without an anchor; only the anchor shows it', async () => {
      const early = await store.auditHead();
      expect(early).toEqual({ seq: 10, hash: (await row(10)).hash, at: new Date(T0 + 10_000) });
      await store.appendAudit(events(11, 5));
      const anchor = await store.auditHead();
      expect(anchor.seq).toBe(15);
      expect(await store.verifyAudit({ anchor })).toEqual({ ok: true, checked: 15 });

      // Rows 13-15 deleted and the head moved back onto row 12: consistent inside the database.
      const r12 = await row(12);
      await h.exec('delete from audit_events where seq > ?', [12]);
      await h.exec('update audit_head set last_seq = ?, last_hash = ? where id = 1', [12, r12.hash]);
      expect(await store.verifyAudit()).toEqual({ ok: true, checked: 12 });
      expect(await store.verifyAudit({ anchor })).toEqual({ ok: false, checked: 12, firstBrokenSeq: 13, reason: 'anchor_missing' });
      expect(await store.verifyAudit({ anchor: early })).toEqual({ ok: true, checked: 12 });

      // ... and refilled with other events up to and past the anchor's seq.
      await store.appendAudit(events(13, 4, 'rewritten'));
      expect(await store.verifyAudit()).toEqual({ ok: true, checked: 16 });
      expect(await store.verifyAudit({ anchor })).toEqual({ ok: false, checked: 14, firstBrokenSeq: 15, reason: 'anchor_mismatch' });
    });

    it('an anchor that is not { seq, hash } is ERR_INPUT_INVALID; the empty chain has an anchor too', async () => {
      for (const anchor of [
        { seq: -1, hash: 'a'.repeat(64) },
        { seq: 1.5, hash: 'a'.repeat(64) },
        { seq: 1, hash: 'A'.repeat(64) },
        { seq: 1, hash: 'abc' },
      ]) {
        expect(errorCode(await store.verifyAudit({ anchor }).catch((e: unknown) => e))).toBe('ERR_INPUT_INVALID');
      }
      const empty = await makeHarness();
      const fresh = empty.open();
      try {
        await fresh.migrate();
        const genesis = await fresh.auditHead();
        expect(genesis).toEqual({ seq: 0, hash: '0'.repeat(64), at: null });
        await fresh.appendAudit(events(1, 2));
        expect(await fresh.verifyAudit({ anchor: genesis })).toEqual({ ok: true, checked: 2 });
        expect(await fresh.verifyAudit({ anchor: { seq: 0, hash: 'f'.repeat(64) } })).toMatchObject({
          ok: false,
          reason: 'anchor_mismatch',
        });
      } finally {
        await fresh.close();
        await empty.cleanup();
      }
    });
  });
}

integritySuite('SQLite', sqliteHarness);
for (const pgCase of pgCases) {
  describe.skipIf(!pgCase.ready)(pgCase.name, () => {
    integritySuite(pgCase.name, pgCase.make);
  });
}
