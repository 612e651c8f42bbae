/**
 * What token use does while audit events cannot be written, on SQLite and
 * PostgreSQL, with real faults in the database (no mocks): the audit table
 * refusing inserts (a trigger), locked by another connection, or blocked by a
 * row the vault did not write. Buffered mode (the default) goes on and keeps
 * every event; strict mode refuses token use with ERR_AUDIT_UNAVAILABLE; both
 * recover. A blocked chain is loud: error log, metrics, doctor.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceChecks } from '../../src/doctor/service-checks.js';
import { createVaultMetrics } from '../../src/metrics/vault-metrics.js';
import type { TokenStore } from '../../src/store/types.js';
import type { AuditMode } from '../../src/types/audit.js';
import { createVault } from '../../src/vault.js';
import type { Vault } from '../../src/types/vault.js';
import { waitFor } from '../fixtures/cache-helpers.js';
import { INSERT_AUDIT_ROW, forgedAuditRow } from '../helpers/forge-audit-row.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { fakeAccessToken, TEST_DATABASE_URL, testKeys } from '../helpers/services.js';
import { postgresCases, sqliteHarness, type Harness } from '../helpers/store-harness.js';
import { ensureBuilt } from './cli-harness.js';

const pgCases = await postgresCases('audit policy');

const KEYS = testKeys('k1');
const USE = { userId: 'user-1', itemId: 'item-1', purpose: 'accounts.get' };
const STRICT_TIMEOUT_MS = 300;
const errorCode = (err: unknown) => (err as { code?: string } | undefined)?.code;

/** A fault in the database under the audit log: `start` breaks audit writes, `stop` repairs them. */
interface Fault {
  name: string;
  start(h: Harness, store: TokenStore): Promise<void>;
  stop(h: Harness, store: TokenStore): Promise<void>;
}

const sqliteFile = (h: Harness) => h.database.url.slice('sqlite:'.length);

function triggerFault(): Fault {
  return {
    name: 'inserts refused',
    async start(h) {
      if (h.dialect === 'sqlite') {
        await h.exec(`create trigger pv_refuse before insert on audit_events begin select raise(abort, 'audit is read-only'); end`, []);
      } else {
        await h.exec(
          `create function pv_refuse() returns trigger language plpgsql as $$ begin raise exception 'audit is read-only'; end $$`,
          [],
        );
        await h.exec('create trigger pv_refuse before insert on audit_events for each row execute function pv_refuse()', []);
      }
    },
    async stop(h) {
      await h.exec(h.dialect === 'sqlite' ? 'drop trigger pv_refuse' : 'drop trigger pv_refuse on audit_events', []);
    },
  };
}

function lockFault(): Fault {
  let release: (() => Promise<void>) | undefined;
  return {
    name: 'table locked',
    async start(h) {
      if (h.dialect === 'sqlite') {
        const db = new BetterSqlite3(sqliteFile(h));
        db.exec('begin immediate');
        release = async () => {
          db.exec('commit');
          db.close();
        };
      } else {
        // Direct, also when the vault goes through PgBouncer: the lock is the test's, on a session of its own.
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${h.database.schema}` });
        await client.connect();
        await client.query('begin; lock table audit_events in exclusive mode');
        release = async () => {
          await client.query('commit');
          await client.end();
        };
      }
    },
    async stop() {
      await release?.();
    },
  };
}

function foreignRowFault(): Fault {
  return {
    name: 'foreign row',
    async start(h, store) {
      await forgeNextRow(h, store);
    },
    async stop(_h, store) {
      await store.quarantineAudit();
    },
  };
}

/** A row at head+1, linked and hashed exactly as the vault would write it. */
async function forgeNextRow(h: Harness, store: TokenStore): Promise<number> {
  const head = (await store.listAudit({ limit: 1 }))[0]!;
  await h.exec(INSERT_AUDIT_ROW, forgedAuditRow(head.seq + 1, head.hash).params);
  return head.seq + 1;
}

function policySuite(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`audit policy on ${name}`, () => {
    let h: Harness;
    let store: TokenStore;
    const opened: { vault: Vault; store: TokenStore }[] = [];

    /** A vault (an instance) with its own store connection; SQLite writers give up on a held lock after 50 ms. */
    async function openVault(mode: AuditMode, logger = recordingLogger()): Promise<Vault> {
      const own = h.open({ busyTimeoutMs: 50 });
      // Buffered is the default: no option at all.
      const audit = mode === 'strict' ? { audit: { mode, strictTimeoutMs: STRICT_TIMEOUT_MS } } : {};
      const vault = await createVault({ store: own, keys: KEYS, nodeEnv: 'test', ...audit, logger });
      opened.push({ vault, store: own });
      return vault;
    }

    beforeEach(async () => {
      h = await makeHarness();
      store = h.open();
      await store.migrate();
      const setup = await openVault('buffered');
      await setup.items.put({ ...USE, accessToken: fakeAccessToken() });
      await setup.audit.flush();
    });
    afterEach(async () => {
      for (const { vault, store: own } of opened.splice(0)) {
        await vault.close().catch(() => {});
        await own.close();
      }
      await store.close();
      await h.cleanup();
    });

    it.each([triggerFault(), lockFault(), foreignRowFault()])(
      'audit_events $name: strict refuses token use (ERR_AUDIT_UNAVAILABLE), buffered goes on; both recover and keep every event',
      async (fault) => {
        const strict = await openVault('strict');
        const buffered = await openVault('buffered');
        expect(await strict.withToken({ ...USE, purpose: 'strict.before' }, (t) => t.reveal().startsWith('access-'))).toBe(true);
        await fault.start(h, store);

        let strictUses = 0;
        for (let i = 0; i < 3; i++) {
          const err = await strict.withToken({ ...USE, purpose: 'strict.during' }, () => void strictUses++).catch((e: unknown) => e);
          expect(errorCode(err)).toBe('ERR_AUDIT_UNAVAILABLE');
        }
        expect(strictUses).toBe(0);
        expect(strict.stats().audit).toMatchObject({ mode: 'strict', failing: true, refused: 3 });

        let bufferedUses = 0;
        for (let i = 0; i < 5; i++) await buffered.withToken({ ...USE, purpose: 'buffered.during' }, () => void bufferedUses++);
        expect(bufferedUses).toBe(5);
        expect(buffered.stats().audit.pending).toBeGreaterThanOrEqual(5);

        await fault.stop(h, store);
        // Strict mode retries at least every second; token use resumes with the first append that succeeds.
        await waitFor(
          () => strict.withToken({ ...USE, purpose: 'strict.after' }, () => true).catch(() => false),
          10_000,
          'strict mode to recover',
        );
        await buffered.audit.flush();
        await strict.audit.flush();

        const events = await store.listAudit({ limit: 1000 });
        const count = (purpose: string, outcome: string) => events.filter((e) => e.purpose === purpose && e.outcome === outcome).length;
        expect(count('buffered.during', 'ok')).toBe(5);
        expect(count('strict.during', 'ERR_AUDIT_UNAVAILABLE')).toBe(3);
        // At least the use that succeeded; a try that missed its deadline under load adds its own `ok` (then its refusal).
        expect(count('strict.after', 'ok')).toBeGreaterThanOrEqual(1);
        expect(await store.verifyAudit()).toMatchObject({ ok: true });
        expect(buffered.stats().audit).toMatchObject({ failing: false, pending: 0, dropped: 0 });
        expect(strict.stats().audit).toMatchObject({ failing: false, pending: 0, dropped: 0 });
      },
    );

    it('close() with events that cannot be written rejects and says how many are lost', async () => {
      const logger = recordingLogger();
      const vault = await createVault({ database: h.database, keys: KEYS, nodeEnv: 'test', logger });
      await vault.withToken({ ...USE, purpose: 'before.close' }, () => true);
      await vault.audit.flush();
      await forgeNextRow(h, store);
      for (let i = 0; i < 2; i++) await vault.withToken({ ...USE, purpose: 'before.close' }, () => true);
      expect(errorCode(await vault.close().catch((e: unknown) => e))).toBe('ERR_AUDIT_CHAIN_BLOCKED');
      expect(logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'error',
          msg: 'audit events could not be written at close',
          obj: expect.objectContaining({ lost: 2 }),
        }),
      );
      // Its own store was closed all the same: the file or schema can be dropped by afterEach.
      await vault.close();
    });

    it('a row beyond the head is loud: error log, metrics and doctor fail until it is quarantined; no event is lost', async () => {
      const logger = recordingLogger();
      const vault = await openVault('buffered', logger);
      const metrics = createVaultMetrics();
      metrics.observeStats(() => vault.stats());
      const scrape = async (series: string) => {
        const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      const before = (await store.listAudit({ limit: 1 }))[0]!.seq;
      const seq = await forgeNextRow(h, store);

      for (let i = 0; i < 5; i++) await vault.withToken({ ...USE, purpose: 'during.block' }, () => true);
      expect(errorCode(await vault.audit.flush().catch((e: unknown) => e))).toBe('ERR_AUDIT_CHAIN_BLOCKED');
      expect(errorCode(await vault.audit.flush().catch((e: unknown) => e))).toBe('ERR_AUDIT_CHAIN_BLOCKED');

      const errors = logger.entries.filter((e) => e.level === 'error');
      expect(errors).toHaveLength(1); // one line per streak, not one per retry
      expect(errors[0]).toMatchObject({
        obj: { component: 'audit', code: 'ERR_AUDIT_CHAIN_BLOCKED', pending: 5 },
        msg: 'audit events cannot be written; retrying',
      });
      expect(await scrape('plaid_vault_audit_failing')).toBe(1);
      expect(await scrape('plaid_vault_audit_append_failures_total')).toBeGreaterThanOrEqual(2);
      expect(await scrape('plaid_vault_audit_buffered_events')).toBe(5);
      expect(await scrape('plaid_vault_audit_dropped_total')).toBe(0);

      const doctor = await serviceChecks({ store, kids: ['k1'], activeKid: 'k1', pendingRecovery: async () => 0 });
      const check = doctor.find((c) => c.id === 'audit_chain');
      expect(check).toMatchObject({
        status: 'fail',
        message: expect.stringContaining(`seq ${seq}`),
        fix: expect.stringContaining('plaid-vault audit quarantine'),
      });
      expect(await vault.audit.verify()).toEqual({ ok: false, checked: before, firstBrokenSeq: seq, reason: 'beyond_head' });

      expect((await store.quarantineAudit()).map((e) => e.seq)).toEqual([seq]);
      await vault.audit.flush();
      expect((await store.listAudit({ limit: 1000 })).filter((e) => e.purpose === 'during.block')).toHaveLength(5);
      expect(await vault.audit.verify()).toEqual({ ok: true, checked: before + 5 });
      expect(await scrape('plaid_vault_audit_failing')).toBe(0);
      expect(logger.entries.some((e) => e.level === 'info' && e.msg === 'audit writes recovered')).toBe(true);
      const after = await serviceChecks({ store, kids: ['k1'], activeKid: 'k1', pendingRecovery: async () => 0 });
      expect(after.find((c) => c.id === 'audit_chain')?.status).toBe('pass');
    });
  });
}

it('strict mode in a one-shot script: withToken completes though nothing else keeps the process alive', async () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'pv-strict-script-'));
  try {
    const script = fileURLToPath(new URL('../fixtures/strict-script.mjs', import.meta.url));
    const run = await promisify(execFile)(process.execPath, [script, join(dir, 'vault.db')], { timeout: 60_000 }).catch(
      (err: { code?: number; stdout?: string }) => err,
    );
    expect(run).toMatchObject({ stdout: '51\n' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

policySuite('SQLite', sqliteHarness);
for (const pgCase of pgCases) {
  describe.skipIf(!pgCase.ready)(pgCase.name, () => {
    policySuite(pgCase.name, pgCase.make);
  });
}
