/**
 * The reference app on real services: the production build's standalone server,
 * run from a copy of its folder outside the repository as a deployment runs it
 * (so pg and ioredis come from that folder, not the repository's node_modules),
 * with VAULT_DATABASE_URL (PostgreSQL, in a schema of its own through
 * VAULT_DATABASE_SCHEMA) and VAULT_REDIS_URL set, over HTTP (the browser flows
 * are covered on SQLite by e2e.test.ts). Shows that the same server runs on
 * PostgreSQL and Redis: every table lands in the named schema, Redis holds the
 * token cache with no plaintext token in it, the audit events still buffered
 * when SIGTERM comes are written before the server exits, and users, sessions
 * and items survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
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

/** Poll `check` until it holds (bounded: 20 s, so a failure is reported rather than hung). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited 20 s for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether something accepts TCP connections on the loopback `port`. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

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

  it('refuses TRACE and paths that do not decode before Next: the copied server.js is the guarded one', async () => {
    const send = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // node:http: fetch refuses TRACE, and normalises the path.
        const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await send('TRACE', '/')).toMatchObject({ status: 405 });
    expect(JSON.parse((await send('TRACE', '/api/items')).body)).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' });
    expect(await send('GET', '/items/%')).toMatchObject({ status: 400 });
    expect(JSON.parse((await send('GET', '/api/items/%zz/accounts')).body)).toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(server!.log()).not.toMatch(/^\s+at .+/m);
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

  it('writes the audit events still buffered at SIGTERM before it exits', async () => {
    const count = async (client: pg.Client) =>
      Number((await client.query<{ n: string }>(`select count(*) as n from "${schema.schema}".audit_events`)).rows[0]!.n);
    const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    const watcher = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await Promise.all([locker.connect(), watcher.connect()]);
    try {
      const before = await count(watcher);
      // A token use whose audit event cannot be written yet: the vault's flush waits on this lock.
      await locker.query('begin');
      await locker.query(`lock table "${schema.schema}".audit_events in access exclusive mode`);
      const read = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/accounts`, { headers: { cookie } });
      expect(read.status).toBe(200);
      const waiting = () =>
        watcher
          .query<{ n: string }>(`select count(*) as n from pg_locks where relation = $1::regclass and not granted`, [
            `"${schema.schema}".audit_events`,
          ])
          .then((r) => Number(r.rows[0]!.n));
      await until(async () => (await waiting()) > 0, 'the flush to wait on the lock');

      const stopped = server!.stop();
      // The listener closes at once on SIGTERM; the process must stay until its flush is written.
      await until(async () => !(await accepts(port)), 'the server to stop taking connections');
      expect(await waiting(), 'the flush still waits').toBeGreaterThan(0);
      await locker.query('rollback');
      await stopped;
      expect(await count(watcher)).toBeGreaterThan(before);
    } finally {
      await Promise.all([locker.end(), watcher.end()]);
    }
  });

  it('keeps users, sessions and items across a restart', async () => {
    // Stopped by the test before.
    await start('restarted');
    const items = await fetch(`${server!.url}/api/items`, { headers: { cookie } });
    expect(items.status).toBe(200);
    expect(((await items.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId)).toEqual([itemId]);
    const accounts = await fetch(`${server!.url}/api/items/${encodeURIComponent(itemId)}/accounts`, { headers: { cookie } });
    expect(accounts.status).toBe(200);
    expect(server!.log()).not.toContain(PLAINTEXT);
  });
});
