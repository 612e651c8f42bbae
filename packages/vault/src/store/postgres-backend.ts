import type { Kysely } from 'kysely';
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { ItemStatus } from '../types/items.js';
import type { Logger } from '../types/logger.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import {
  AUDIT_COLUMNS,
  ENVELOPE_COLUMNS,
  outsideChain,
  type AuditAppend,
  type LockedAuditHead,
  type StoreBackend,
} from './store-backend.js';
import type { EnvelopeRow, RewrapRow } from './types.js';
import { MIGRATION_TABLE } from './migrations/names.js';
import { loadPg } from '../drivers/optional-package.js';

export interface PostgresOptions {
  url: string;
  schema: string | undefined;
  poolMax: number;
  connectTimeoutMs: number;
  logger: Logger;
}

/**
 * Table names for the SQL below, qualified with the schema (a validated plain
 * identifier) rather than set on a connection's search_path: a pooler in
 * transaction mode hands each transaction any server connection, and refuses
 * start-up options. The queries are unnamed for the same reason: a named
 * statement is prepared on one server connection and missing on the next.
 */
interface Tables {
  items: string;
  auditEvents: string;
  auditHead: string;
  auditQuarantine: string;
  migrations: string;
}

function tablesIn(schema: string | undefined): Tables {
  const q = (table: string) => (schema ? `"${schema}".${table}` : table);
  return {
    items: q('items'),
    auditEvents: q('audit_events'),
    auditHead: q('audit_head'),
    auditQuarantine: q('audit_quarantine'),
    migrations: q(MIGRATION_TABLE),
  };
}

const envelopeQuery = (t: Tables) => `select ${ENVELOPE_COLUMNS} from ${t.items} where item_id = $1`;

const statusQuery = (t: Tables) => `select status from ${t.items} where item_id = $1`;

// One statement per batch: the arrays are unnested in step into one row per
// item, and only rows whose token_version still matches are written.
const rewrapQuery = (t: Tables) => `update ${t.items} as i set kid = v.kid, envelope = v.envelope, updated_at = $1
    from unnest($2::text[], $3::int4[], $4::text[], $5::bytea[]) as v(item_id, ver, kid, envelope)
    where i.item_id = v.item_id and i.token_version = v.ver
    returning i.item_id`;

/**
 * Opens the append's transaction and takes the chain's lock in one round trip
 * (two statements in one simple query): the head row stays locked FOR UPDATE
 * until COMMIT or ROLLBACK. max(seq) (one end of the primary key's index) shows
 * a row the vault did not write. It is read in the statement's snapshot, which
 * may predate the head returned after a lock wait: then it is lower, never
 * higher, than that head, so a legitimate append is never refused.
 */
const lockAuditHead = (t: Tables) =>
  `begin; select last_seq, last_hash, (select max(seq) from ${t.auditEvents}) as max_seq from ${t.auditHead} where id = 1 for update`;

// The whole batch in one statement: one array per column, unnested in step
// into rows (13 parameters however many rows, where a multi-row VALUES bound
// and serialised 11 per row), and the head moved in the same statement. A
// data-modifying CTE always runs to completion.
const appendAuditQuery = (t: Tables) => `with appended as (
      insert into ${t.auditEvents} (${AUDIT_COLUMNS.join(', ')})
      select * from unnest($3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
    )
    update ${t.auditHead} set last_seq = $1, last_hash = $2 where id = 1`;

const quarantineQuery = (t: Tables) => `with moved as (delete from ${t.auditEvents} where ${outsideChain(t.auditHead)} returning *)
    insert into ${t.auditQuarantine} (${AUDIT_COLUMNS.join(', ')}, quarantined_at)
    select ${AUDIT_COLUMNS.join(', ')}, $1 from moved
    returning ${AUDIT_COLUMNS.join(', ')}`;

/** Every statement above, for one schema: built once per backend. */
function queriesFor(schema: string | undefined) {
  const t = tablesIn(schema);
  return {
    envelope: envelopeQuery(t),
    status: statusQuery(t),
    rewrap: rewrapQuery(t),
    lockAuditHead: lockAuditHead(t),
    appendAudit: appendAuditQuery(t),
    // quarantineAudit takes the same lock as an append, without reading the head.
    lockAuditHeadOnly: `begin; select 1 from ${t.auditHead} where id = 1 for update`,
    quarantine: quarantineQuery(t),
    appliedMigrations: `select name from ${t.migrations}`,
  };
}

type Queries = ReturnType<typeof queriesFor>;

/** SQLSTATE undefined_table: also what a table qualified with a schema that does not exist gives. */
const UNDEFINED_TABLE = '42P01';

/**
 * PostgreSQL through a pg Pool; every table is qualified with `schema`, and no
 * state outlives a transaction (no search_path, named statements or session
 * locks), so the URL may point at a pooler in transaction mode (PgBouncer,
 * Supavisor). `pg` is imported on first use, so SQLite deployments (the
 * default) never load it.
 */
export function createPostgresBackend(opts: PostgresOptions): StoreBackend {
  let created: Pool | undefined;
  const poolReady = loadPg().then(({ default: pg }) => {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax,
      connectionTimeoutMillis: opts.connectTimeoutMs,
    });
    // An idle client dropped by the server (restart, 57P01) emits here; without a
    // listener Node would crash the process. The next query reconnects.
    pool.on('error', (err: Error & { code?: string }) => {
      opts.logger.warn({ component: 'store', code: err.code }, 'idle database connection lost');
    });
    created = pool;
    return pool;
  });
  // Observed by every caller; this only keeps an unused failed import quiet.
  poolReady.catch(() => {});

  let db: Promise<Kysely<Database>> | undefined;
  const q = queriesFor(opts.schema);

  return {
    dialect: 'postgres',
    kysely() {
      db ??= import('./query-builder.js').then((m) => m.openPostgresQueryBuilder(() => poolReady, opts.schema));
      return db;
    },
    schema: opts.schema,
    async appliedMigrations() {
      const pool = await poolReady;
      try {
        const result = await pool.query<{ name: string }>(q.appliedMigrations);
        return result.rows.map((r) => r.name);
      } catch (err) {
        // A fresh database: the migrator creates the schema and its tables.
        if ((err as { code?: unknown }).code === UNDEFINED_TABLE) return [];
        throw err;
      }
    },
    async ping() {
      await (await poolReady).query('select 1');
    },
    async readEnvelope(itemId) {
      const pool = await poolReady;
      const result = await pool.query<EnvelopeRow>(q.envelope, [itemId]);
      return result.rows[0];
    },
    async readStatus(itemId) {
      const pool = await poolReady;
      const result = await pool.query<{ status: ItemStatus }>(q.status, [itemId]);
      return result.rows[0]?.status;
    },
    async rewrapTokens(rows: readonly RewrapRow[], at: number) {
      const pool = await poolReady;
      const ids: string[] = [];
      const versions: number[] = [];
      const kids: string[] = [];
      const envelopes: Buffer[] = [];
      for (const row of rows) {
        ids.push(row.itemId);
        versions.push(row.expectedVersion);
        kids.push(row.kid);
        envelopes.push(row.envelope);
      }
      const result = await pool.query<{ item_id: string }>(q.rewrap, [at, ids, versions, kids, envelopes]);
      return result.rows.map((r) => r.item_id);
    },
    async appendAudit(build) {
      await inTransaction(await poolReady, (client) => appendLocked(client, q, build));
    },
    async quarantineAudit(at) {
      return inTransaction(await poolReady, async (client) => {
        await client.query(q.lockAuditHeadOnly);
        const moved = await client.query<AuditEventsTable>(q.quarantine, [at]);
        await client.query('commit');
        return moved.rows.sort((x, y) => Number(x.seq) - Number(y.seq));
      });
    },
    async close() {
      // Kysely ends the pool only if it ever used it; the raw statements may have been the only users.
      const builder = await db?.catch(() => undefined);
      await builder?.destroy();
      if (created && !created.ended) await created.end();
    },
  };
}

/**
 * Run `work` (which begins and commits its own transaction) on one pooled
 * client; on failure roll back, and drop a connection that cannot even do that
 * instead of returning it to the pool.
 */
async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (err) {
    await client.query('rollback').catch((rollbackErr: Error) => {
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Three round trips: begin + lock the head, insert + move the head, commit. */
async function appendLocked(client: PoolClient, q: Queries, build: (head: LockedAuditHead) => AuditAppend): Promise<void> {
  // pg answers a multi-statement simple query with one result per statement.
  const [, locked] = (await client.query(q.lockAuditHead)) as unknown as [
    QueryResult,
    QueryResult<{ last_seq: string; last_hash: string; max_seq: string | null }>,
  ];
  const head = locked.rows[0];
  if (!head) throw new Error('audit_head is missing: run migrate()');
  const next = build({
    lastSeq: Number(head.last_seq),
    lastHash: head.last_hash,
    maxSeq: head.max_seq === null ? null : Number(head.max_seq),
  });
  const columns = AUDIT_COLUMNS.map((column) => next.rows.map((row) => row[column]));
  await client.query(q.appendAudit, [next.head.lastSeq, next.head.lastHash, ...columns]);
  await client.query('commit');
}
