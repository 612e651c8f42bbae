/**
 * The data commands suite (SQLite and PostgreSQL), through the real binary:
 * migrate, import (with malformed lines), items list, audit (list, verify,
 * tampering), rekey (resumable, bad key, unknown kid), retire-key, doctor —
 * and a scan proving no output of any command ever held an imported token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewrap } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { rekey } from '../../src/keys/rekey.js';
import { createStore } from '../../src/store/create-store.js';
import { systemClock } from '../../src/types/clock.js';
import { createVault } from '../../src/vault.js';
import { createTestSchema, fakeAccessToken, requireService } from '../helpers/services.js';
import { ensureBuilt, errorCode, json, postgresDbTarget, runCli, sqliteDbTarget, transcript, type DbTarget } from './cli-harness.js';

/** Probed once per file; the import-from-PostgreSQL case needs it on both dialects. */
const pgReady = await requireService('postgres', 'cli store');

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const K2_WRONG = `k2:${key()}`;
const K3 = `k3:${key()}`;
const ITEMS = 40;

type Target = DbTarget;

/** A target with its own VAULT_DATA_DIR, removed with it. */
function withDataDir(target: DbTarget, dir: string): Target {
  return {
    ...target,
    env: { ...target.env, VAULT_DATA_DIR: dir },
    async close() {
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cli-store-'));
  return withDataDir(sqliteDbTarget(join(dir, 'vault.db')), dir);
}

async function postgresTarget(): Promise<Target> {
  return withDataDir(await postgresDbTarget('cli'), mkdtempSync(join(tmpdir(), 'pv-cli-store-')));
}

async function pgbouncerTarget(): Promise<Target> {
  return withDataDir(await postgresDbTarget('cli', { pooled: true }), mkdtempSync(join(tmpdir(), 'pv-cli-store-')));
}

const records = Array.from({ length: ITEMS }, (_, i) => ({
  userId: `user-${i % 4}`,
  itemId: `item-${String(i).padStart(3, '0')}`,
  accessToken: fakeAccessToken(),
}));
const strayToken = fakeAccessToken();
const legacyTokens: string[] = [];
const malformedShape = `access-sandbox-${randomBytes(12).toString('hex')}`;
/** The import input, and the (1-based) line numbers of its malformed lines. */
function importInput(): { input: string; malformed: number[] } {
  const lines: string[] = [];
  const malformed: number[] = [];
  const bad = [
    `{"userId":"u","itemId":"i","accessToken":"${strayToken}"`, // truncated JSON holding a token
    JSON.stringify({ itemId: 'item-x', accessToken: strayToken }), // no userId
    JSON.stringify({ userId: 'u', itemId: 'item-y', accessToken: malformedShape }), // not a Plaid token
    JSON.stringify([strayToken]), // not an object
    JSON.stringify({ userId: 'has space', itemId: 'item-z', accessToken: strayToken }), // bad id
  ];
  records.forEach((r, i) => {
    lines.push(JSON.stringify(r));
    if (i % 8 === 3 && bad.length > 0) {
      lines.push(bad.shift()!);
      malformed.push(lines.length);
    }
  });
  lines.splice(10, 0, ''); // blank lines are ignored but still counted
  return { input: `${lines.join('\n')}\n`, malformed: malformed.map((line) => (line > 10 ? line + 1 : line)) };
}

export const targets = { sqlite: sqliteTarget, postgres: postgresTarget, pgbouncer: pgbouncerTarget };

/**
 * The suite, run by cli-store-sqlite.test.ts, cli-store-postgres.test.ts and
 * cli-store-pgbouncer.test.ts (one file each so they run in parallel workers).
 */
export function describeStoreCommands(name: keyof typeof targets, enabled: boolean): void {
  const open = targets[name];
  beforeAll(() => ensureBuilt(), 180_000);
  describe(`CLI data commands on ${name}`, () => {
    let t: Target;
    const run = (args: string[], keys: string, input?: string) =>
      runCli(args, { env: { ...t.env, VAULT_KEYS: keys }, ...(input !== undefined && { input }) });

    beforeAll(async () => {
      if (enabled) t = await open();
    });
    afterAll(async () => {
      await t?.close();
    });

    it.skipIf(!enabled)('migrate applies the schema; --status then shows nothing pending', async () => {
      const before = await run(['migrate', '--status', '--json'], K1);
      expect(before.code).toBe(1);
      expect(json<{ pending: number }>(before).pending).toBeGreaterThan(0);
      const applied = await run(['migrate'], K1);
      expect(applied.code).toBe(0);
      const after = json<{ pending: number; migrations: { appliedAt: string | null }[] }>(await run(['migrate', '--status', '--json'], K1));
      expect(after.pending).toBe(0);
      expect(after.migrations.every((m) => m.appliedAt !== null)).toBe(true);
    });

    it.skipIf(!enabled)('import reports imported and invalid lines by number, then skips what is present', async () => {
      const { input, malformed } = importInput();
      const first = await run(['import', '--json'], K1, input);
      expect(first.code).toBe(1);
      const report = json<{ imported: number; skipped: number; invalid: number; invalidLines: { line: number; reason: string }[] }>(first);
      expect(report).toMatchObject({ imported: ITEMS, skipped: 0, invalid: malformed.length });
      expect(report.invalidLines.map((l) => l.line)).toEqual(malformed);
      for (const l of report.invalidLines) expect(l.reason.length).toBeGreaterThan(0);

      const again = await run(['import'], K1, records.map((r) => JSON.stringify(r)).join('\n'));
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`imported 0, skipped ${ITEMS}, invalid 0`);
    });

    it.skipIf(!enabled)('items list pages by item id and filters by user and status, with no token', async () => {
      const first = json<{ items: { itemId: string }[]; next: string | null }>(await run(['items', 'list', '--limit', '25', '--json'], K1));
      expect(first.items).toHaveLength(25);
      expect(first.next).toBe(first.items[24]!.itemId);
      const second = json<{ items: { itemId: string }[]; next: string | null }>(
        await run(['items', 'list', '--after', first.next!, '--json'], K1),
      );
      expect(second.items).toHaveLength(ITEMS - 25);
      expect(second.next).toBeNull();
      expect([...first.items, ...second.items].map((i) => i.itemId)).toEqual(records.map((r) => r.itemId).sort());

      const user = json<{ items: { userId: string }[] }>(await run(['items', 'list', '--user', 'user-1', '--json'], K1));
      expect(user.items).toHaveLength(ITEMS / 4);
      expect(user.items.every((i) => i.userId === 'user-1')).toBe(true);
      const relink = json<{ items: unknown[] }>(await run(['items', 'list', '--status', 'relink_required', '--json'], K1));
      expect(relink.items).toHaveLength(0);
      const bad = await run(['items', 'list', '--status', 'nope'], K1);
      expect(bad.code).toBe(2);
    });

    it.skipIf(!enabled)('audit lists events with filters, verifies the chain, and finds an edited row', async () => {
      const all = json<{ events: { action: string; itemId: string | null }[] }>(await run(['audit', '--limit', '1000', '--json'], K1));
      expect(all.events.filter((e) => e.action === 'item.put')).toHaveLength(ITEMS);
      const one = json<{ events: { itemId: string }[] }>(await run(['audit', '--item', 'item-007', '--since', '1h', '--json'], K1));
      expect(one.events.length).toBeGreaterThan(0);
      expect(one.events.every((e) => e.itemId === 'item-007')).toBe(true);
      const future = json<{ events: unknown[] }>(await run(['audit', '--since', '2999-01-01T00:00:00Z', '--json'], K1));
      expect(future.events).toHaveLength(0);

      const ok = await run(['audit', '--verify', '--json'], K1);
      expect(ok.code).toBe(0);
      expect(json<{ ok: boolean; checked: number }>(ok)).toMatchObject({ ok: true });

      await t.exec(`update audit_events set purpose = 'edited' where seq = 5`);
      const broken = await run(['audit', '--verify', '--json'], K1);
      expect(broken.code).toBe(1);
      expect(json<{ ok: boolean; firstBrokenSeq: number }>(broken)).toMatchObject({ ok: false, firstBrokenSeq: 5 });
      expect((await run(['audit', '--verify'], K1)).stdout).toContain('BROKEN at seq 5');
    });

    it.skipIf(!enabled)('retire-key refuses an in-use kid, the active kid and an unknown kid', async () => {
      const inUse = await run(['retire-key', 'k1'], `${K2},${K1}`);
      expect(errorCode(inUse)).toBe('ERR_KEY_IN_USE');
      expect(inUse.code).toBe(1);
      const active = await run(['retire-key', 'k2'], `${K2},${K1}`);
      expect(errorCode(active)).toBe('ERR_KEY_IN_USE');
      const unknown = await run(['retire-key', 'k9'], `${K2},${K1}`);
      expect(errorCode(unknown)).toBe('ERR_CRYPTO_KEY_UNKNOWN');
      expect(unknown.code).toBe(3);
    });

    it.skipIf(!enabled)('an interrupted rekey is resumed by the next run; tokens then open under the new key alone', async () => {
      // First run, stopped after its first page, through the library (a signal between pages).
      const keyring = parseKeyring(`${K2},${K1}`);
      const store = createStore(t.database);
      const stop = new AbortController();
      try {
        const partial = await rekey(
          { store, activeKid: 'k2', rewrap: (env, ref) => rewrap(keyring, ref, env), clock: systemClock, actor: 'test' },
          { batch: 10, onProgress: (done) => done > 0 && stop.abort(), signal: stop.signal },
        );
        expect(partial).toMatchObject({ rewrapped: 10, interrupted: true });
      } finally {
        await store.close();
      }

      const rest = await run(['rekey', '--batch', '7', '--json'], `${K2},${K1}`);
      expect(rest.code).toBe(0);
      const report = json<{ rewrapped: number; failed: unknown[]; kids: { kid: string; rows: number }[] }>(rest);
      expect(report.rewrapped).toBe(ITEMS - 10);
      expect(report.failed).toEqual([]);
      expect(report.kids.find((k) => k.kid === 'k1')?.rows).toBe(0);

      const nothing = json<{ rewrapped: number; total: number }>(await run(['rekey', '--json'], `${K2},${K1}`));
      expect(nothing).toMatchObject({ rewrapped: 0, total: 0 });

      const retire = await run(['retire-key', 'k1', '--json'], `${K2},${K1}`);
      expect(retire.code).toBe(0);
      expect(json<{ keep: string[] }>(retire).keep).toEqual(['k2']);
      expect(retire.stdout).not.toContain(K2.slice(3));

      const vault = await createVault({ database: t.database, keys: K2, migrate: false });
      try {
        for (const r of [records[0]!, records[17]!, records[39]!]) {
          const plain = await vault.withToken({ userId: r.userId, itemId: r.itemId, purpose: 'test' }, (token) => token.reveal());
          expect(plain).toBe(r.accessToken);
        }
      } finally {
        await vault.close();
      }

      const audit = json<{ events: { action: string; outcome: string }[] }>(await run(['audit', '--limit', '1000', '--json'], K2));
      expect(audit.events.filter((e) => e.action === 'key.rekey').length).toBeGreaterThanOrEqual(2);
    });

    it.skipIf(!enabled)('rekey with a wrong key for a kid reports every row and changes none', async () => {
      const r = await run(['rekey', '--json'], `${K3},${K2_WRONG}`);
      expect(r.code).toBe(1);
      const report = json<{ rewrapped: number; failed: { code: string }[]; kids: { kid: string; rows: number }[] }>(r);
      expect(report.rewrapped).toBe(0);
      expect(report.failed).toHaveLength(ITEMS);
      expect(new Set(report.failed.map((f) => f.code))).toEqual(new Set(['ERR_CRYPTO_DECRYPT_FAILED']));
      expect(report.kids.find((k) => k.kid === 'k2')?.rows).toBe(ITEMS);
    });

    it.skipIf(!enabled)('rows under a kid missing from the keyring: rekey reports them, doctor fails', async () => {
      const r = await run(['rekey', '--json'], K3);
      expect(r.code).toBe(1);
      const report = json<{ failed: { code: string }[] }>(r);
      expect(report.failed).toHaveLength(ITEMS);
      expect(report.failed.every((f) => f.code === 'ERR_CRYPTO_KEY_UNKNOWN')).toBe(true);

      const doctor = await run(['doctor', '--json'], K3);
      expect(doctor.code).toBe(1);
      const checks = json<{ checks: { id: string; status: string; fix?: string }[] }>(doctor).checks;
      expect(checks.find((c) => c.id === 'kids')).toMatchObject({ status: 'fail' });
      expect(checks.find((c) => c.id === 'database')).toMatchObject({ status: 'pass' });

      const healthy = await run(['doctor'], K2);
      expect(healthy.code).toBe(0);
      expect(healthy.stdout).toMatch(/^pass {2}kids: /m);
      expect(healthy.stdout).toMatch(/^warn {2}webhook_url: .* — fix: /m);
    });

    it.skipIf(!enabled || !pgReady)('import --from-postgres streams rows of a query, numbering rejected rows', async () => {
      const legacy = await createTestSchema('legacy');
      const rows = Array.from({ length: 12 }, (_, i) => ({
        userId: `legacy-user-${i}`,
        itemId: `legacy-item-${i}`,
        accessToken: fakeAccessToken(),
      }));
      legacyTokens.push(...rows.map((r) => r.accessToken));
      try {
        const client = new pg.Client({ connectionString: legacy.url });
        await client.connect();
        try {
          await client.query(`create table "${legacy.schema}".plaid_items (id serial primary key, uid text, iid text, token text)`);
          for (const r of rows)
            await client.query(`insert into "${legacy.schema}".plaid_items (uid, iid, token) values ($1, $2, $3)`, [
              r.userId,
              r.itemId,
              r.accessToken,
            ]);
          await client.query(`update "${legacy.schema}".plaid_items set token = 'plain-' || token where id = 5`);
        } finally {
          await client.end();
        }
        const query = `select uid as user_id, iid as item_id, token as access_token from "${legacy.schema}".plaid_items order by id`;
        const r = await run(['import', '--from-postgres', legacy.url, '--query', query, '--json'], K2);
        expect(r.code).toBe(1);
        const report = json<{ imported: number; invalid: number; invalidLines: { line: number }[] }>(r);
        expect(report).toMatchObject({ imported: 11, invalid: 1 });
        expect(report.invalidLines.map((l) => l.line)).toEqual([5]);

        const missing = await run(
          ['import', '--from-postgres', legacy.url, '--query', `select uid as user_id from "${legacy.schema}".plaid_items`],
          K2,
        );
        expect(missing.code).toBe(2);
        expect(errorCode(missing)).toBe('ERR_INPUT_INVALID');
        const broken = await run(['import', '--from-postgres', legacy.url, '--query', 'select secret_words from nowhere_at_all'], K2);
        expect(broken.code).toBe(2);
        expect(broken.stderr).toContain('SQLSTATE 42P01');
        expect(broken.stderr).not.toContain('nowhere_at_all');
        const down = await run(['import', '--from-postgres', 'postgres://postgres@127.0.0.1:1/test', '--query', 'select 1'], K2);
        expect(down.code).toBe(4);
      } finally {
        await legacy.drop();
      }
    });

    it.skipIf(!enabled)('no output of any command held a token', () => {
      const all = transcript.join('\n');
      expect(all.length).toBeGreaterThan(1000);
      for (const token of [...records.map((r) => r.accessToken), ...legacyTokens, strayToken, malformedShape])
        expect(all).not.toContain(token);
      expect(all).not.toContain(K1.slice(3));
      expect(all).not.toContain(K2.slice(3));
    });
  });
}
