/**
 * Real faults, no mocks: a closed port, a server-side kill of the connection,
 * and a SQLite write lock held by another connection.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import type { Logger } from '../../src/types/logger.js';
import { createTestSchema, requireService, TEST_DATABASE_URL } from '../helpers/services.js';

const pgReady = await requireService('postgres', 'store unavailable (PostgreSQL)');

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; cause?: unknown; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; cause?: unknown; message: string };
  }
  throw new Error('expected a rejection');
}

function recordingLogger(): Logger & { entries: { level: string; obj: object }[] } {
  const entries: { level: string; obj: object }[] = [];
  const log = (level: string) => (obj: object) => void entries.push({ level, obj });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('store configuration', () => {
  it('refuses an unknown URL scheme without echoing it', () => {
    let err: unknown;
    try {
      createStore({ url: 'mysql://admin:hunter2@db/vault' });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('ERR_CONFIG_INVALID');
    expect(String(err)).not.toContain('hunter2');
  });

  it('refuses a PostgreSQL schema name that is not a plain identifier', () => {
    expect(() => createStore({ url: TEST_DATABASE_URL, schema: 'x" -c foo=bar' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });
});

describe('SQLite: a write lock held elsewhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-busy-'));
  const file = join(dir, 'vault.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives ERR_STORE_UNAVAILABLE after busy_timeout, and recovers when the lock goes', async () => {
    const store = createStore({ url: `sqlite:${file}`, busyTimeoutMs: 50 });
    await store.migrate();
    const other = new BetterSqlite3(file);
    try {
      other.exec('begin immediate');
      const event = { actor: 't', userId: null, itemId: null, action: 'item.put', purpose: null, outcome: 'ok', requestId: null };
      const err = await errorOf(store.appendAudit([event]));
      expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
      expect(err.cause).toBeDefined();
      const insert = store.insertItem(
        { itemId: 'i1', userId: 'u1', institutionId: null, institutionName: null, products: [], kid: 'k1', envelope: Buffer.from('e') },
        new Date(),
      );
      expect((await errorOf(insert)).code).toBe('ERR_STORE_UNAVAILABLE');
      other.exec('rollback');
      await store.appendAudit([event]);
      expect(await store.verifyAudit()).toEqual({ ok: true, checked: 1 });
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe.skipIf(!pgReady)('PostgreSQL: connection failures', () => {
  const schemas: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });

  it('a closed port gives ERR_STORE_UNAVAILABLE with a fixed message', async () => {
    const store = createStore({ url: 'postgres://vault:s3cret-pw@127.0.0.1:1/vault', connectTimeoutMs: 1000 });
    try {
      for (const call of [() => store.ping(), () => store.getEnvelope('item-1'), () => store.migrate()]) {
        const err = await errorOf(call());
        expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
        expect(err.cause).toBeDefined();
        expect(err.message).not.toContain('s3cret-pw');
        expect(err.message).not.toContain('127.0.0.1');
      }
    } finally {
      await store.close();
    }
  });

  it('survives the server killing its idle connection: logged, reconnected', async () => {
    const schema = await createTestSchema('unavail');
    schemas.push(schema);
    const appName = `pv_${randomBytes(4).toString('hex')}`;
    const logger = recordingLogger();
    const store = createStore({ url: `${schema.url}?application_name=${appName}`, schema: schema.schema, poolMax: 1, logger });
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    try {
      await store.migrate();
      await store.ping();
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName]);
      expect(killed.rowCount).toBe(1);
      for (let i = 0; i < 200 && !logger.entries.some((e) => e.level === 'warn'); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(logger.entries).toContainEqual({ level: 'warn', obj: expect.objectContaining({ code: '57P01' }) });
      await store.ping();
      expect(await store.getEnvelope('missing')).toBeUndefined();
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
