/**
 * The reference app on real services: the production build's standalone server,
 * run from a copy of its folder outside the repository as a deployment runs it
 * (so pg and ioredis come from that folder, not the repository's node_modules),
 * with VAULT_DATABASE_URL (PostgreSQL, in a schema of its own through
 * VAULT_DATABASE_SCHEMA) and VAULT_REDIS_URL set, over HTTP (the browser flows
 * are covered on SQLite by e2e.test.ts). Shows that the same server runs on
 * PostgreSQL and Redis: every table lands in the named schema, Redis holds the
 * token cache with no plaintext token in it, and users, sessions and items
 * survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  createTestSchema,
  requireService,
  testNamespace,
  type TestSchema,
} from '../../../packages/vault/test/helpers/services.js';
import { connectRedis, dropNamespace, findPlaintext } from '../../../packages/vault/test/fixtures/cache-helpers.js';
import {
  REPO_DIR,
  copyStandalone,
  emulatorEnv,
  ensureBuilt,
  freePort,
  sandboxLinkOverHttp,
  signUpOverHttp,
  startWebServer,
  type Standalone,
  type WebServer,
} from './helpers/web-server.js';

const pgReady = await requireService('postgres', 'web app on PostgreSQL + Redis');
const redisReady = await requireService('redis', 'web app on PostgreSQL + Redis');

const PLAINTEXT = 'access-sandbox-';

describe.skipIf(!pgReady || !redisReady)('reference app on PostgreSQL and Redis (production build, HTTP)', () => {
  let schema: TestSchema;
  let sandbox: Sandbox;
  let redis: Redis;
  let dir: string;
  let port: number;
  let server: WebServer | undefined;
  let standalone: Standalone | undefined;
  let cookie = '';
  let itemId = '';
  const namespace = testNamespace('web');
  const user = { email: `pg-${randomBytes(3).toString('hex')}@example.com`, password: 'a long enough passphrase' };
  const env = () => ({
    WEB_DATA_DIR: dir,
    VAULT_DATABASE_URL: TEST_DATABASE_URL,
    VAULT_DATABASE_SCHEMA: schema.schema,
    VAULT_REDIS_URL: TEST_REDIS_URL,
    VAULT_NAMESPACE: namespace,
    VAULT_KEYS: keys,
    SESSION_SECRET: sessionSecret,
    // Out of process, so the emulator (and the item it knows) outlives the server's restart.
    ...emulatorEnv(sandbox),
    VAULT_LOG_LEVEL: 'info',
  });
  const keys = `web1:${randomBytes(32).toString('base64')}`;
  const sessionSecret = randomBytes(32).toString('base64');
  const start = async (name: string) =>
    (server = await startWebServer({
      port,
      logFile: join(REPO_DIR, 'test-artifacts', `services-app-${name}.log`),
      env: env(),
      standalone,
    }));

  beforeAll(async () => {
    ensureBuilt('production');
    standalone = copyStandalone('production');
    schema = await createTestSchema('web');
    sandbox = await startSandbox({ port: 0 });
    redis = await connectRedis();
    dir = mkdtempSync(join(tmpdir(), 'pv-web-services-'));
    port = await freePort();
    await start('first');
  });

  afterAll(async () => {
    await server?.stop();
    standalone?.remove();
    if (redis) {
      await dropNamespace(redis, namespace);
      redis.disconnect();
    }
    await schema?.drop();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs up, connects a sandbox bank and reads its accounts', async () => {
    cookie = await signUpOverHttp(server!, user);
    itemId = await sandboxLinkOverHttp(server!, cookie);
    // Twice: the first read loads from PostgreSQL and fills Redis, the second is a cache hit.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/accounts`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { accounts: unknown[] }).accounts.length).toBeGreaterThan(0);
    }
  });

  it("keeps every table (the vault's and the app's) in the named schema", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_schema: string; table_name: string }>(
        `select table_schema, table_name from information_schema.tables
         where table_name in ('items', 'audit_events', 'web_users', 'web_sessions', 'web_migration')`,
      );
      const here = rows.filter((r) => r.table_schema === schema.schema).map((r) => r.table_name);
      expect(here.sort()).toEqual(['audit_events', 'items', 'web_migration', 'web_sessions', 'web_users']);
      const counts = await client.query<{ items: string; users: string }>(
        `select (select count(*) from "${schema.schema}".items) as items, (select count(*) from "${schema.schema}".web_users) as users`,
      );
      expect(counts.rows[0]).toEqual({ items: '1', users: '1' });
    } finally {
      await client.end();
    }
  });

  it('holds no plaintext token in any PostgreSQL column or Redis value', async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema.schema}` });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1',
        [schema.schema],
      );
      let cells = 0;
      for (const { table_name } of tables.rows) {
        const { rows } = await client.query(`select * from "${table_name}"`);
        for (const row of rows)
          for (const value of Object.values(row)) {
            cells++;
            const text = Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value);
            expect(text, `${table_name}`).not.toContain(PLAINTEXT);
          }
      }
      expect(cells).toBeGreaterThan(10);
    } finally {
      await client.end();
    }
    // Every key and value of the namespace: no item id in a key, no plaintext token anywhere.
    const { scanned, found } = await findPlaintext(redis, namespace, [PLAINTEXT, itemId]);
    expect(scanned).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  it('keeps users, sessions and items across a restart', async () => {
    await server!.stop();
    await start('restarted');
    const items = await fetch(`${server!.url}/api/items`, { headers: { cookie } });
    expect(items.status).toBe(200);
    expect(((await items.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId)).toEqual([itemId]);
    const accounts = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/accounts`, { headers: { cookie } });
    expect(accounts.status).toBe(200);
    expect(server!.log()).not.toContain(PLAINTEXT);
  });
});
