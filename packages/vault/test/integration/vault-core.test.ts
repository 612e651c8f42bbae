/**
 * Issue 2 acceptance, on both dialects: the vault API over a real SQLite file
 * and a real PostgreSQL schema, inspected with raw SQL from the outside.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, isVaultError, type Vault } from '../../src/index.js';
import {
  createTestSchema,
  fakeAccessToken,
  requireService,
  TEST_POOLED_DATABASE_URL,
  testKeys,
  type TestSchema,
} from '../helpers/services.js';
import { silentLogger } from '../../src/types/logger.js';

interface RawDb {
  /** Every value of every column of items and audit_events, as text/bytes. */
  dump(): Promise<Buffer>;
  envelope(itemId: string): Promise<Buffer>;
  setEnvelope(itemId: string, envelope: Buffer): Promise<void>;
  kid(itemId: string): Promise<string>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

interface Dialect {
  name: string;
  setup(): Promise<{ database: { url: string; schema?: string }; raw: RawDb; fileBytes?: () => Buffer; teardown(): Promise<void> }>;
}

const sqlite: Dialect = {
  name: 'sqlite',
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'pv-core-'));
    const file = join(dir, 'vault.db');
    const open = () => new Database(file);
    const raw: RawDb = {
      async dump() {
        const db = open();
        try {
          const rows = [...db.prepare('select * from items').all(), ...db.prepare('select * from audit_events').all()];
          return Buffer.concat(
            rows.flatMap((r) => Object.values(r as object).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))))),
          );
        } finally {
          db.close();
        }
      },
      async envelope(itemId) {
        const db = open();
        try {
          return (db.prepare('select envelope from items where item_id = ?').get(itemId) as { envelope: Buffer }).envelope;
        } finally {
          db.close();
        }
      },
      async setEnvelope(itemId, envelope) {
        const db = open();
        try {
          db.prepare('update items set envelope = ? where item_id = ?').run(envelope, itemId);
        } finally {
          db.close();
        }
      },
      async kid(itemId) {
        const db = open();
        try {
          return (db.prepare('select kid from items where item_id = ?').get(itemId) as { kid: string }).kid;
        } finally {
          db.close();
        }
      },
      async exec(sql) {
        const db = open();
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
      async close() {},
    };
    return {
      database: { url: `sqlite:${file}` },
      raw,
      fileBytes: () => Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f))),
      async teardown() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** `pooled`: the vault goes through PgBouncer (transaction mode); the raw client beside it stays direct. */
const postgresDialect = (pooled: boolean): Dialect => ({
  name: pooled ? 'postgres through PgBouncer' : 'postgres',
  async setup() {
    const schema: TestSchema = await createTestSchema('core');
    const client = new pg.Client({ connectionString: schema.url, options: `-c search_path=${schema.schema}` });
    await client.connect();
    const raw: RawDb = {
      async dump() {
        // Every column of every row rendered by PostgreSQL itself (bytea as hex and as raw bytes).
        const text = await client.query(`select t::text as row from items t union all select t::text from audit_events t`);
        const bytes = await client.query(`select envelope from items`);
        return Buffer.concat([
          ...text.rows.map((r: { row: string }) => Buffer.from(r.row)),
          ...bytes.rows.map((r: { envelope: Buffer }) => r.envelope),
        ]);
      },
      async envelope(itemId) {
        return (await client.query('select envelope from items where item_id = $1', [itemId])).rows[0].envelope;
      },
      async setEnvelope(itemId, envelope) {
        await client.query('update items set envelope = $1 where item_id = $2', [envelope, itemId]);
      },
      async kid(itemId) {
        return (await client.query('select kid from items where item_id = $1', [itemId])).rows[0].kid;
      },
      async exec(sql) {
        await client.query(sql);
      },
      async close() {
        await client.end();
      },
    };
    return {
      database: { url: pooled ? TEST_POOLED_DATABASE_URL : schema.url, schema: schema.schema },
      raw,
      async teardown() {
        await raw.close();
        await schema.drop();
      },
    };
  },
});
const postgres = postgresDialect(false);
const pooledPostgres = postgresDialect(true);

const pgReady = await requireService('postgres', 'vault core (postgres)');
const pooledReady = await requireService('pgbouncer', 'vault core (postgres through PgBouncer)');
const ready = new Map([
  [sqlite, true],
  [postgres, pgReady],
  [pooledPostgres, pooledReady],
]);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isVaultError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

for (const dialect of [sqlite, postgres, pooledPostgres]) {
  describe.skipIf(!ready.get(dialect))(`vault core on ${dialect.name}`, () => {
    let env: Awaited<ReturnType<Dialect['setup']>>;
    const oldKey = testKeys('old');
    const newKey = testKeys('new');
    let vault: Vault;
    const open = (keys: string, l1 = true) =>
      createVault({ database: env.database, keys, logger: silentLogger, cache: { l1: { max: l1 ? 1000 : 0 } } });

    beforeAll(async () => {
      env = await dialect.setup();
      vault = await open(oldKey, false);
    });
    afterAll(async () => {
      await vault?.close();
      await env?.teardown();
    });

    it('round-trips a token and lists summaries without it', async () => {
      const token = fakeAccessToken();
      const summary = await vault.items.put({
        userId: 'u1',
        itemId: 'item-rt',
        accessToken: token,
        institutionName: 'First Platypus Bank',
        products: ['transactions'],
      });
      expect(summary).toMatchObject({
        itemId: 'item-rt',
        institutionName: 'First Platypus Bank',
        status: 'active',
        products: ['transactions'],
      });
      expect(JSON.stringify(summary)).not.toContain(token);
      const seen = await vault.withToken({ userId: 'u1', itemId: 'item-rt', purpose: 'test' }, (t) => t.reveal());
      expect(seen).toBe(token);
      const list = await vault.items.list('u1');
      expect(list.map((i) => i.itemId)).toEqual(['item-rt']);
      expect(JSON.stringify(list)).not.toContain(token);
      expect(Object.keys(list[0]!).sort()).toEqual([
        'createdAt',
        'institutionId',
        'institutionName',
        'itemId',
        'products',
        'rotatedAt',
        'status',
      ]);
    });

    it('keeps no plaintext token anywhere in the database', async () => {
      const tokens = Array.from({ length: 20 }, () => fakeAccessToken());
      for (const [i, token] of tokens.entries()) {
        await vault.items.put({ userId: `scan-${i % 3}`, itemId: `scan-item-${i}`, accessToken: token });
        await vault.withToken({ userId: `scan-${i % 3}`, itemId: `scan-item-${i}`, purpose: 'scan' }, () => undefined);
      }
      await vault.audit.flush();
      const dump = await env.raw.dump();
      const files = env.fileBytes?.() ?? Buffer.alloc(0);
      expect(dump.length).toBeGreaterThan(0);
      for (const token of tokens) {
        const uuid = token.slice('access-sandbox-'.length);
        for (const hay of [dump, files]) {
          expect(hay.includes(token)).toBe(false);
          expect(hay.includes(uuid)).toBe(false);
          expect(hay.includes(Buffer.from(token).toString('hex'))).toBe(false);
        }
      }
      if (env.fileBytes) expect(files.includes('scan-item-7')).toBe(true); // the scan does see the file's contents
    });

    it('fails to open an envelope with any single byte flipped', async () => {
      await vault.items.put({ userId: 'u1', itemId: 'item-flip', accessToken: fakeAccessToken() });
      const original = await env.raw.envelope('item-flip');
      const codes = new Set<string>();
      for (let i = 0; i < original.length; i++) {
        const bad = Buffer.from(original);
        bad[i] = bad[i]! ^ 0x01;
        await env.raw.setEnvelope('item-flip', bad);
        codes.add(await codeOf(vault.withToken({ userId: 'u1', itemId: 'item-flip', purpose: 'flip' }, () => undefined)));
      }
      expect([...codes]).toEqual(['ERR_CRYPTO_DECRYPT_FAILED']);
      await env.raw.setEnvelope('item-flip', original);
      await expect(vault.withToken({ userId: 'u1', itemId: 'item-flip', purpose: 'flip' }, () => 'ok')).resolves.toBe('ok');
    });

    it('binds an envelope to its item and user', async () => {
      await vault.items.put({ userId: 'u1', itemId: 'bind-a', accessToken: fakeAccessToken() });
      await vault.items.put({ userId: 'u1', itemId: 'bind-b', accessToken: fakeAccessToken() });
      await vault.items.put({ userId: 'u2', itemId: 'bind-c', accessToken: fakeAccessToken() });
      const a = await env.raw.envelope('bind-a');
      await env.raw.setEnvelope('bind-b', a); // same user, other item
      await env.raw.setEnvelope('bind-c', a); // other user
      expect(await codeOf(vault.withToken({ userId: 'u1', itemId: 'bind-b', purpose: 'x' }, () => undefined))).toBe(
        'ERR_CRYPTO_DECRYPT_FAILED',
      );
      expect(await codeOf(vault.withToken({ userId: 'u2', itemId: 'bind-c', purpose: 'x' }, () => undefined))).toBe(
        'ERR_CRYPTO_DECRYPT_FAILED',
      );
    });

    it('reads old-key rows under a new,old keyring, writes under new, and refuses a removed kid', async () => {
      const oldToken = fakeAccessToken();
      await vault.items.put({ userId: 'u3', itemId: 'kr-old', accessToken: oldToken });
      expect(await env.raw.kid('kr-old')).toBe('old');
      const oldEntry = oldKey; // "old:..."
      const both = await open(`${newKey},${oldEntry}`, false);
      try {
        await expect(both.withToken({ userId: 'u3', itemId: 'kr-old', purpose: 'x' }, (t) => t.reveal())).resolves.toBe(oldToken);
        await both.items.put({ userId: 'u3', itemId: 'kr-new', accessToken: fakeAccessToken() });
        expect(await env.raw.kid('kr-new')).toBe('new');
      } finally {
        await both.close();
      }
      const onlyNew = await open(newKey, false);
      try {
        expect(await codeOf(onlyNew.withToken({ userId: 'u3', itemId: 'kr-old', purpose: 'x' }, () => undefined))).toBe(
          'ERR_CRYPTO_KEY_UNKNOWN',
        );
      } finally {
        await onlyNew.close();
      }
    });

    it('answers another user exactly as a missing item', async () => {
      await vault.items.put({ userId: 'owner', itemId: 'private-item', accessToken: fakeAccessToken() });
      const calls = [
        () => vault.withToken({ userId: 'intruder', itemId: 'private-item', purpose: 'x' }, () => undefined),
        () => vault.items.get({ userId: 'intruder', itemId: 'private-item' }),
        () => vault.items.delete({ userId: 'intruder', itemId: 'private-item' }),
      ];
      for (const call of calls) expect(await codeOf(call())).toBe('ERR_ITEM_NOT_FOUND');
      expect(await codeOf(vault.withToken({ userId: 'intruder', itemId: 'no-such-item', purpose: 'x' }, () => undefined))).toBe(
        'ERR_ITEM_NOT_FOUND',
      );
      expect((await vault.items.list('intruder')).length).toBe(0);
      await expect(vault.items.get({ userId: 'owner', itemId: 'private-item' })).resolves.toMatchObject({ itemId: 'private-item' });
    });

    it('validates input at the edge without echoing it', async () => {
      const token = fakeAccessToken();
      const cases: [string, () => Promise<unknown>][] = [
        ['empty user', () => vault.items.put({ userId: '', itemId: 'i', accessToken: token })],
        ['space in id', () => vault.items.put({ userId: 'u 1', itemId: 'i', accessToken: token })],
        ['long id', () => vault.items.put({ userId: 'u'.repeat(300), itemId: 'i', accessToken: token })],
        ['bad token', () => vault.items.put({ userId: 'u', itemId: 'i', accessToken: 'public-sandbox-123' })],
        ['token in purpose', () => vault.withToken({ userId: 'u', itemId: 'i', purpose: '' }, () => undefined)],
      ];
      for (const [name, call] of cases) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isVaultError(err, 'ERR_INPUT_INVALID'), name).toBe(true);
        expect(String((err as Error).message)).not.toContain('public-sandbox-123');
      }
    });

    it('deletes an item (row and cache)', async () => {
      const cached = await open(oldKey, true);
      try {
        await cached.items.put({ userId: 'u4', itemId: 'del-1', accessToken: fakeAccessToken() });
        await cached.withToken({ userId: 'u4', itemId: 'del-1', purpose: 'warm' }, () => undefined);
        await cached.items.delete({ userId: 'u4', itemId: 'del-1' });
        expect(await codeOf(cached.withToken({ userId: 'u4', itemId: 'del-1', purpose: 'x' }, () => undefined))).toBe('ERR_ITEM_NOT_FOUND');
      } finally {
        await cached.close();
      }
    });

    it('records every token use in a hash chain that detects an edited row', async () => {
      await vault.items.put({ userId: 'aud', itemId: 'aud-1', accessToken: fakeAccessToken() });
      await vault.withToken({ userId: 'aud', itemId: 'aud-1', purpose: 'accounts.get' }, () => undefined);
      await vault.audit.flush();
      const events = await vault.audit.list({ itemId: 'aud-1' });
      expect(events.map((e) => [e.action, e.purpose, e.outcome])).toContainEqual(['token.decrypt', 'accounts.get', 'ok']);
      expect(await vault.audit.verify()).toMatchObject({ ok: true });
      const target = events.find((e) => e.action === 'token.decrypt')!;
      await env.raw.exec(`update audit_events set purpose = 'nothing to see' where seq = ${target.seq}`);
      expect(await vault.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
    });
  });
}

describe('createVault fails closed', () => {
  it('refuses to start without keys unless told it is not production', async () => {
    expect(await codeOf(createVault({ database: 'sqlite::memory:', logger: silentLogger }))).toBe('ERR_CONFIG_INVALID');
    expect(await codeOf(createVault({ database: 'sqlite::memory:', keys: 'k1:AAAA', logger: silentLogger }))).toBe('ERR_CONFIG_INVALID');
    expect(await codeOf(createVault({ database: 'sqlite::memory:', nodeEnv: 'production', logger: silentLogger }))).toBe(
      'ERR_CONFIG_INVALID',
    );
  });
});
