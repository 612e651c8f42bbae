// The real services a class runs against, each private to the run: a SQLite
// file or a PostgreSQL schema of its own (the shared server is never touched
// outside it), a redis-server child on a free port (so it can be stopped,
// killed or paused), and plaid-sandbox in this process.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startSandbox } from 'plaid-sandbox';
import { freePort, waitFor } from './scope.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** @type {Promise<boolean> | undefined} */
let pgProbe;
/** Is the shared PostgreSQL reachable? (Asked once per run.) */
export function postgresAvailable() {
  pgProbe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgProbe;
}

/**
 * @typedef {object} Database
 * @property {'sqlite' | 'postgres'} dialect
 * @property {Record<string, string>} env VAULT_DATABASE_URL (+ VAULT_DATABASE_SCHEMA)
 * @property {string | { url: string, schema: string }} option the `database` option of createVault
 * @property {(sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>} query raw SQL inside the database ($1, $2 ... on both)
 * @property {(itemId: string) => Promise<{ unlock: () => Promise<void>, blocked: () => Promise<boolean | null> }>} lockItem hold a write lock on the item's row (SQLite: the database) until unlock; blocked() says whether another session waits on it (null: cannot tell, SQLite)
 * @property {() => Promise<string>} dump every table's rows as text, bytes as latin1 (what a stolen dump shows)
 */

/**
 * A database of its own: a SQLite file in `dir`, or a fresh PostgreSQL schema dropped at the end.
 * @param {import('./scope.js').Scope} scope
 * @param {'sqlite' | 'postgres'} dialect
 * @param {string} dir
 * @returns {Promise<Database>}
 */
export async function createDatabase(scope, dialect, dir) {
  if (dialect === 'sqlite') {
    const file = join(dir, 'vault.db');
    /** @type {import('better-sqlite3').Database | undefined} */
    let db;
    scope.defer(() => db?.close());
    return {
      dialect,
      env: { VAULT_DATABASE_URL: `sqlite:${file}` },
      option: `sqlite:${file}`,
      async query(sql, params = []) {
        db ??= new BetterSqlite3(file, { timeout: 10_000 });
        const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
        return statement.reader ? statement.all(...params) : (statement.run(...params), []);
      },
      async lockItem() {
        const locker = new BetterSqlite3(file, { timeout: 10_000 });
        locker.exec('begin immediate');
        return {
          async unlock() {
            locker.exec('rollback');
            locker.close();
          },
          blocked: async () => null,
        };
      },
      async dump() {
        db ??= new BetterSqlite3(file, { timeout: 10_000 });
        const tables = /** @type {{ name: string }[]} */ (db.prepare("select name from sqlite_master where type = 'table'").all());
        return tables.map(({ name }) => `-- ${name}\n${rowsText(db?.prepare(`select * from "${name}"`).all() ?? [])}`).join('\n');
      },
    };
  }
  const schema = `adv_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`).finally(() => admin.end());
  const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema}`, max: 2 });
  scope.defer(async () => {
    await pool.end();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`).finally(() => c.end());
  });
  return {
    dialect,
    env: { VAULT_DATABASE_URL: PG_URL, VAULT_DATABASE_SCHEMA: schema },
    option: { url: PG_URL, schema },
    async query(sql, params = []) {
      return (await pool.query(sql, params)).rows;
    },
    async lockItem(itemId) {
      const locker = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await locker.connect();
      await locker.query('begin');
      await locker.query('select 1 from items where item_id = $1 for update', [itemId]);
      const { pid } = (await locker.query('select pg_backend_pid() as pid')).rows[0];
      return {
        async unlock() {
          await locker.query('rollback');
          await locker.end();
        },
        async blocked() {
          const r = await pool.query('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]);
          return r.rows[0].n > 0;
        },
      };
    },
    async dump() {
      const tables = await pool.query('select table_name from information_schema.tables where table_schema = $1', [schema]);
      const out = [];
      for (const { table_name } of tables.rows)
        out.push(`-- ${table_name}\n${rowsText((await pool.query(`select * from "${table_name}"`)).rows)}`);
      return out.join('\n');
    },
  };
}

/** Rows as text, one JSON line each, byte columns as latin1 (so plaintext bytes read as plaintext). @param {unknown[]} rows */
function rowsText(rows) {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.fromEntries(Object.entries(/** @type {object} */ (row)).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('latin1') : v])),
      ),
    )
    .join('\n');
}

/** @param {string} url */
async function redisAnswers(url) {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A redis-server child of this run on a free port: `stop` (SIGTERM, connections
 * closed), `kill` (SIGKILL), `pause`/`resume` (SIGSTOP/SIGCONT: a silent
 * partition, sockets open and nothing answers), `start` again on the same port.
 * @param {import('./scope.js').Scope} scope
 */
export async function startRedisServer(scope) {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  /** @param {NodeJS.Signals} signal */
  const signal = async (signal) => {
    const running = child;
    if (!running || exited()) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    if (signal === 'SIGTERM' || signal === 'SIGKILL') running.kill('SIGCONT');
    running.kill(signal);
    await gone;
  };
  const server = {
    url,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitFor(() => redisAnswers(url), 10_000, `redis-server on port ${port}`);
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
  scope.defer(() => server.kill());
  await server.start();
  return server;
}

/**
 * plaid-sandbox in this process with a secret of its own (so a leak of it is findable).
 * @param {import('./scope.js').Scope} scope
 * @param {Partial<import('plaid-sandbox').SandboxOptions>} [opts]
 */
export async function startPlaid(scope, opts = {}) {
  const sandbox = await startSandbox({
    port: 0,
    secret: `sb-secret-${randomBytes(12).toString('hex')}`,
    onInternalError: () => {},
    ...opts,
  });
  scope.defer(() => sandbox.close());
  return sandbox;
}

/** Total API calls the sandbox has answered so far. @param {import('plaid-sandbox').Sandbox} sandbox */
export function plaidCalls(sandbox) {
  return Object.values(sandbox.state.counters).reduce((a, b) => a + b, 0);
}

/**
 * Every key of a (private) Redis and its value as latin1 text, read by type.
 * @param {string} url
 * @returns {Promise<{ key: string, text: string }[]>}
 */
export async function redisDump(url) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    const out = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 500);
      cursor = String(next);
      for (const key of keys) {
        const type = await redis.type(key);
        /** @type {Buffer[]} */
        let parts = [];
        if (type === 'string') parts = [(await redis.getBuffer(key)) ?? Buffer.alloc(0)];
        else if (type === 'hash')
          parts = await redis.hgetallBuffer(key).then((h) => Object.entries(h).flatMap(([k, v]) => [Buffer.from(k), v]));
        else if (type === 'list') parts = await redis.lrangeBuffer(key, 0, -1);
        else if (type === 'set') parts = await redis.smembersBuffer(key);
        else if (type === 'zset') parts = await redis.zrangeBuffer(key, 0, -1);
        out.push({ key: key.toString('latin1'), text: [key, ...parts].map((b) => b.toString('latin1')).join('\n') });
      }
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}

/** PostgreSQL when it is reachable, else SQLite (the class's note says which). */
export async function preferredDialect() {
  return (await postgresAvailable()) ? 'postgres' : 'sqlite';
}
