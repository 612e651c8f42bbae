/**
 * `plaid-vault audit anchor | verify [--anchor] | quarantine` and the doctor's
 * audit_chain check, through the real binary on SQLite and PostgreSQL: an
 * anchor exported, a tail cut and the head rewritten (verify alone says
 * intact, verify --anchor says anchor_missing), a row inserted beyond the head
 * (verify and doctor fail, quarantine moves it aside).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { createVault } from '../../src/vault.js';
import { forgedAuditRowSql } from '../helpers/forge-audit-row.js';
import { fakeAccessToken, requireService } from '../helpers/services.js';
import { ensureBuilt, errorCode, json, postgresDbTarget, runCli, sqliteDbTarget, type DbTarget } from './cli-harness.js';

const pgReady = await requireService('postgres', 'cli audit (PostgreSQL)');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

interface Anchor {
  seq: number;
  hash: string;
  at: string | null;
  anchor: string;
}

function cliAuditSuite(name: string, enabled: boolean, open: (dir: string) => Promise<DbTarget>): void {
  describe.skipIf(!enabled)(`plaid-vault audit on ${name}`, () => {
    let dir: string;
    let t: DbTarget;
    const run = (...args: string[]) => runCli(args, { env: { ...t.env, VAULT_KEYS: KEYS, VAULT_DATA_DIR: dir } });
    const withStore = async <T>(fn: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> => {
      const store = createStore({ url: t.database.url, ...(t.database.schema !== undefined && { schema: t.database.schema }) });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    };
    /** Token uses through the library, as the app would make them; close() writes their events. */
    const useTokens = async (n: number, purpose: string) => {
      const vault = await createVault({ database: t.database, keys: KEYS, nodeEnv: 'test' });
      try {
        for (let i = 0; i < n; i++) await vault.withToken({ userId: 'user-1', itemId: 'item-1', purpose }, (tok) => tok.reveal().length);
      } finally {
        await vault.close();
      }
    };

    beforeAll(async () => {
      ensureBuilt();
      dir = mkdtempSync(join(tmpdir(), 'pv-cli-audit-'));
      t = await open(dir);
      const vault = await createVault({ database: t.database, keys: KEYS, nodeEnv: 'test' });
      await vault.items.put({ userId: 'user-1', itemId: 'item-1', accessToken: fakeAccessToken() });
      await vault.close();
      await useTokens(6, 'accounts.get');
    }, 180_000);
    afterAll(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('anchor prints SEQ:HASH alone on stdout (and JSON with --json); verify --anchor takes the line, or @FILE holding the JSON', async () => {
      const human = await run('audit', 'anchor');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^7:[0-9a-f]{64}\n$/);
      expect(human.stderr).toContain('keep this line outside the database');
      const anchor = json<Anchor>(await run('audit', 'anchor', '--json'));
      expect(anchor).toEqual({ seq: 7, hash: human.stdout.trim().slice(2), at: expect.any(String), anchor: human.stdout.trim() });

      await useTokens(3, 'transactions.sync');
      const file = join(dir, 'anchor.json');
      writeFileSync(file, JSON.stringify(anchor));
      for (const given of [anchor.anchor, `@${file}`]) {
        const ok = await run('audit', 'verify', '--anchor', given);
        expect(ok.code).toBe(0);
        expect(ok.stdout).toBe('audit chain intact: 10 event(s) checked; it holds the anchor at seq 7\n');
      }
    });

    it('a cut tail with a rewritten head: verify says intact, verify --anchor exits 1 with anchor_missing', async () => {
      const anchor = json<Anchor>(await run('audit', 'anchor', '--json'));
      expect(anchor.seq).toBe(10);
      const r8 = await withStore(async (s) => (await s.listAudit({ beforeSeq: 9, limit: 1 }))[0]!);
      await t.exec(`delete from audit_events where seq > 8; update audit_head set last_seq = 8, last_hash = '${r8.hash}' where id = 1`);

      const plain = await run('audit', 'verify');
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain('audit chain intact: 8 event(s) checked');
      const anchored = await run('audit', 'verify', '--anchor', anchor.anchor, '--json');
      expect(anchored.code).toBe(1);
      expect(json(anchored)).toEqual({
        ok: false,
        checked: 8,
        firstBrokenSeq: 9,
        reason: 'anchor_missing',
        anchor: { seq: 10, hash: anchor.hash },
      });
      const said = await run('audit', 'verify', '--anchor', anchor.anchor);
      expect(said.stdout).toContain('audit chain BROKEN at seq 9 (anchor_missing: the chain ends before the anchor');
    });

    it('a row beyond the head: verify and doctor fail naming it; quarantine moves it aside and both pass', async () => {
      const head = await withStore((s) => s.auditHead());
      const forged = { seq: head.seq + 1 };
      await t.exec(forgedAuditRowSql(forged.seq, head.hash));

      const broken = await run('audit', '--verify', '--json');
      expect(broken.code).toBe(1);
      expect(json(broken)).toEqual({ ok: false, checked: head.seq, firstBrokenSeq: forged.seq, reason: 'beyond_head' });
      const listed = json<{ events: { purpose: string }[] }>(await run('audit', '--limit', '1000', '--json'));
      expect(listed.events.some((e) => e.purpose === 'forged')).toBe(false);
      const doctor = await run('doctor', '--json');
      expect(doctor.code).toBe(1);
      const check = json<{ checks: { id: string; status: string; message: string; fix?: string }[] }>(doctor).checks.find(
        (c) => c.id === 'audit_chain',
      );
      expect(check).toMatchObject({
        status: 'fail',
        message: expect.stringContaining(`seq ${forged.seq}`),
        fix: expect.stringContaining('audit quarantine'),
      });

      const moved = await run('audit', 'quarantine', '--json');
      expect(moved.code).toBe(0);
      expect(json<{ quarantined: { seq: number; purpose: string }[] }>(moved).quarantined).toMatchObject([
        { seq: forged.seq, purpose: 'forged' },
      ]);
      await useTokens(2, 'after.quarantine');
      expect((await run('audit', 'verify')).code).toBe(0);
      const healthy = json<{ checks: { id: string; status: string }[] }>(await run('doctor', '--json')).checks;
      expect(healthy.find((c) => c.id === 'audit_chain')?.status).toBe('pass');
      expect((await run('audit', 'quarantine')).stdout).toBe('no audit rows outside the chain: nothing to quarantine\n');
    });

    it('a malformed anchor is a usage error that does not echo it; --anchor outside verify too', async () => {
      const secretish = `42:${'z'.repeat(64)}`;
      const bad = await run('audit', 'verify', '--anchor', secretish);
      expect(bad.code).toBe(2);
      expect(errorCode(bad)).toBe('ERR_INPUT_INVALID');
      expect(bad.stderr + bad.stdout).not.toContain('zzzz');
      expect((await run('audit', 'anchor', '--anchor', '1:abc')).code).toBe(2);
      expect((await run('audit', 'nonsense')).code).toBe(2);
    });
  });
}

cliAuditSuite('SQLite', true, async (dir) => sqliteDbTarget(join(dir, 'vault.db')));
cliAuditSuite('PostgreSQL', pgReady, () => postgresDbTarget('cli_audit'));
