/**
 * The Plaid-facing commands through the real binary, against plaid-sandbox
 * (in this process) on SQLite and PostgreSQL: import --verify, rotate (dry
 * run, one item, many under injected faults, killed and resumed), recover —
 * and the accounting that matters: every item ends rotated or reported, none
 * silently lost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Configuration, PlaidApi, Products } from 'plaid';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { createVault } from '../../src/vault.js';
import type { Vault } from '../../src/types/vault.js';
import { requireService } from '../helpers/services.js';
import { CLI, ensureBuilt, errorCode, json, postgresDbTarget, runCli, sqliteDbTarget, transcript, type DbTarget } from './cli-harness.js';

const pgReady = await requireService('postgres', 'cli rotate (postgres)');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const DAY = 86_400_000;

type Target = DbTarget;

const sqliteTarget = async (dir: string): Promise<Target> => sqliteDbTarget(join(dir, 'vault.db'));
const postgresTarget = (): Promise<Target> => postgresDbTarget('clirot');

interface Linked {
  userId: string;
  itemId: string;
  accessToken: string;
}

async function linkItems(plaid: PlaidApi, count: number): Promise<Linked[]> {
  const linked: Linked[] = [];
  for (let i = 0; i < count; i++) {
    const pub = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] });
    const ex = await plaid.itemPublicTokenExchange({ public_token: pub.data.public_token });
    linked.push({ userId: `user-${i % 10}`, itemId: ex.data.item_id, accessToken: ex.data.access_token });
  }
  return linked;
}

// The CLI's part is dialect-independent (the store has its own contract suite), so
// PostgreSQL runs a smaller fleet and skips the kill-and-resume case to keep the suite short.
const targets: [string, (dir: string) => Promise<Target>, { enabled: boolean; n: number; kill: boolean }][] = [
  ['sqlite', sqliteTarget, { enabled: true, n: 200, kill: true }],
  ['postgres', () => postgresTarget(), { enabled: pgReady, n: 100, kill: false }],
];

beforeAll(() => ensureBuilt(), 180_000);

describe.each(targets)('rotate, recover and import --verify on %s', (_name, open, { enabled, n: N, kill }) => {
  let dir: string;
  let t: Target;
  let sandbox: Sandbox;
  let plaid: PlaidApi;
  let vault: Vault;
  let env: Record<string, string>;
  let items: Linked[] = [];
  const seen = new Set<string>();
  const run = (args: string[], input?: string) => runCli(args, { env, ...(input !== undefined && { input }), timeoutMs: 120_000 });

  /** Make every item's token look `days` old (created long ago, never rotated). */
  const age = (days: number) => t.exec(`update items set created_at = ${Date.now() - days * DAY}, rotated_at = null`);

  /** Items whose stored token no longer works at Plaid and that are not marked relink_required: must be zero. */
  async function lostItems(): Promise<string[]> {
    const store = createStore(t.database);
    const lost: string[] = [];
    try {
      for (const item of items) {
        const row = await store.getItem(item.itemId);
        if (!row) {
          lost.push(item.itemId);
          continue;
        }
        if (row.status === 'relink_required') continue;
        try {
          await vault.withToken({ userId: item.userId, itemId: item.itemId, purpose: 'test.check' }, async (token) => {
            seen.add(token.reveal());
            await plaid.itemGet({ access_token: token.reveal() });
          });
        } catch {
          lost.push(item.itemId);
        }
      }
    } finally {
      await store.close();
    }
    return lost;
  }

  beforeAll(async () => {
    if (!enabled) return;
    dir = mkdtempSync(join(tmpdir(), 'pv-cli-rotate-'));
    t = await open(dir);
    sandbox = await startSandbox({ port: 0 });
    plaid = new PlaidApi(
      new Configuration({
        basePath: sandbox.url,
        baseOptions: { headers: { 'PLAID-CLIENT-ID': sandbox.clientId, 'PLAID-SECRET': sandbox.secret } },
      }),
    );
    env = {
      ...t.env,
      VAULT_KEYS: KEYS,
      VAULT_DATA_DIR: dir,
      VAULT_RECOVERY_DIR: join(dir, 'recovery'),
      PLAID_ENV: 'emulator',
      PLAID_BASE_URL: sandbox.url,
      PLAID_CLIENT_ID: sandbox.clientId,
      PLAID_SECRET: sandbox.secret,
    };
    items = await linkItems(plaid, N);
    for (const i of items) seen.add(i.accessToken);
  }, 120_000);

  afterAll(async () => {
    await vault?.close();
    await sandbox?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!enabled)('import --verify imports live tokens and rejects a dead one and one of another item', async () => {
    const [dead] = await linkItems(plaid, 1);
    await plaid.itemAccessTokenInvalidate({ access_token: dead!.accessToken });
    const [other] = await linkItems(plaid, 1);
    seen.add(dead!.accessToken).add(other!.accessToken);
    const lines = [...items, dead!, { ...other!, itemId: items[0]!.itemId.replace(/.$/, 'x') }].map((r) => JSON.stringify(r));

    // Wrong Plaid credentials are not a verdict on the tokens: the import stops, nothing is stored or marked invalid.
    const badCreds = await runCli(['import', '--verify'], { env: { ...env, PLAID_SECRET: 'wrong' }, input: lines.join('\n') });
    expect(errorCode(badCreds)).toBe('ERR_PLAID_INVALID_INPUT');
    expect(badCreds.code).toBe(1);
    expect(json<{ items: unknown[] }>(await run(['items', 'list', '--json'])).items).toEqual([]);

    const r = await run(['import', '--verify', '--json'], lines.join('\n'));
    expect(r.code).toBe(1);
    const report = json<{ imported: number; invalid: number; invalidLines: { line: number; reason: string }[] }>(r);
    expect(report.imported).toBe(N);
    expect(report.invalidLines.map((l) => l.line)).toEqual([N + 1, N + 2]);
    expect(report.invalidLines[0]!.reason).toContain('ERR_PLAID_INVALID_ACCESS_TOKEN');
    expect(report.invalidLines[1]!.reason).toContain('another item id');

    vault = await createVault({
      database: t.database,
      keys: KEYS,
      recoveryDir: join(dir, 'recovery-test'),
      // No L1: the CLI rotates in other processes, and without Redis nothing tells this one.
      cache: { l1: { max: 0 } },
      plaid: { env: 'emulator', baseUrl: sandbox.url, clientId: sandbox.clientId, secret: sandbox.secret },
    });
    expect(await lostItems()).toEqual([]);
  });

  it.skipIf(!enabled)('rotate --dry-run counts due items and changes nothing; --item rotates one', async () => {
    await age(100);
    const dry = await run(['rotate', '--older-than', '90d', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(json<{ considered: number; rotated: number }>(dry)).toMatchObject({ considered: N, rotated: 0 });
    const listed = json<{ items: { rotatedAt: string | null }[] }>(await run(['items', 'list', '--limit', '1000', '--json']));
    expect(listed.items.every((i) => i.rotatedAt === null)).toBe(true);

    const one = await run(['rotate', '--item', items[0]!.itemId, '--json']);
    expect(one.code).toBe(0);
    expect(json<{ outcome: string; tokenVersion: number }>(one)).toMatchObject({ outcome: 'rotated', tokenVersion: 2 });
    const missing = await run(['rotate', '--item', 'no-such-item']);
    expect(errorCode(missing)).toBe('ERR_ITEM_NOT_FOUND');
    expect(missing.code).toBe(1);
  });

  it.skipIf(!enabled)('rotate --older-than under a 2% invalidate error rate: every item rotated or reported, zero lost', async () => {
    await age(100);
    sandbox.faults.set({ errorRates: { '/item/access_token/invalidate': { status: 500, rate: 0.02 } }, seed: 11 });
    const r = await run(['rotate', '--older-than', '90d', '--concurrency', '8', '--json']);
    sandbox.faults.clear();
    const report = json<{
      considered: number;
      rotated: number;
      relinkRequired: number;
      failed: { itemId: string; code: string }[];
      failedByCode: Record<string, number>;
    }>(r);
    expect(report.considered).toBe(N);
    expect(report.rotated + report.relinkRequired + report.failed.length).toBe(N);
    expect(report.failed.length).toBeGreaterThan(0); // the faults did fire
    expect(r.code).toBe(1);
    expect(Object.values(report.failedByCode).reduce((a, b) => a + b, 0)).toBe(report.failed.length);
    expect(r.stderr).toMatch(new RegExp(`rotate: \\d+/${N}`));
    expect(await lostItems()).toEqual([]);

    // The failed ones are still due: a second run (faults off) rotates exactly those.
    const again = json<{ considered: number; rotated: number; failed: unknown[] }>(await run(['rotate', '--older-than', '90d', '--json']));
    expect(again.considered).toBe(report.failed.length);
    expect(again.rotated).toBe(again.considered);
    expect(again.failed).toEqual([]);
    expect(await lostItems()).toEqual([]);
  });

  it.skipIf(!enabled || !kill)('a killed rotate run resumes with its cutoff; recover replays the journal; nothing is lost', async () => {
    await age(100);
    sandbox.faults.set({ latencyMs: 20 });
    const child = spawn(process.execPath, [CLI, 'rotate', '--older-than', '90d', '--concurrency', '4'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress before the timeout: ${stderr}`)), 60_000);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        // Plain progress lines come every 10%: kill once the run is well under way.
        if (new RegExp(`rotate: [1-9]\\d*/${N}`).test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    transcript.push(stderr);
    sandbox.faults.clear();

    const recovered = await run(['recover', '--json']);
    expect(recovered.code).toBe(0);
    expect(json<{ remaining: number }>(recovered).remaining).toBe(0);
    // Leases of rotations killed before they journaled expire after leaseMs (60 s); expire them now.
    await t.exec(`update items set rotation_lease_owner = null, rotation_lease_until = null`);

    const resumed = await run(['rotate', '--older-than', '90d', '--concurrency', '8', '--json']);
    expect(resumed.stderr).toContain('resuming an interrupted run');
    const report = json<{ considered: number; rotated: number; relinkRequired: number; failed: unknown[] }>(resumed);
    expect(report.considered).toBeGreaterThan(0);
    expect(report.considered).toBeLessThan(N);
    expect(report.rotated + report.relinkRequired + report.failed.length).toBe(report.considered);
    expect(await lostItems()).toEqual([]);

    const doctor = json<{ checks: { id: string; status: string }[] }>(await run(['doctor', '--json']));
    expect(doctor.checks.find((c) => c.id === 'recovery_journal')).toMatchObject({ status: 'pass' });
    // Finished: the next run starts from a fresh cutoff and finds nothing due.
    const idle = json<{ considered: number }>(await run(['rotate', '--older-than', '90d', '--json']));
    expect(idle.considered).toBe(0);
  });

  it.skipIf(!enabled)('no output of any command held a token, old or new', () => {
    const all = transcript.join('\n');
    expect(seen.size).toBeGreaterThan(N);
    for (const token of seen) expect(all).not.toContain(token);
  });
});
