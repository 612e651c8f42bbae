import { Kysely, PostgresDialect } from 'kysely';
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { ItemStatus } from '../types/items.js';
import type { Logger } from '../types/logger.js';
import type { AuditEventsTable, Database } from './db-schema.js';
import { AUDIT_COLUMNS, ENVELOPE_COLUMNS, OUTSIDE_CHAIN } from './store-backend.js';
import type { AuditAppend, LockedAuditHead, StoreBackend } from './store-backend.js';
import type { EnvelopeRow, RewrapRow } from './types.js';

export interface PostgresOptions {
  url: string;
  schema: string | undefined;
  poolMax: number;
  connectTimeoutMs: number;
  logger: Logger;
}

const ENVELOPE_QUERY = {
  // Named: pg prepares it once per connection and reuses the plan.
  name: 'plaid_vault_get_envelope',
  text: `select ${ENVELOPE_COLUMNS} from items where item_id = $1`,
};

const STATUS_QUERY = {
  name: 'plaid_vault_get_status',
  text: 'select status from items where item_id = $1',
};

const REWRAP_QUERY = {
  name: 'plaid_vault_rewrap_tokens',
  // One statement per batch: the arrays are unnested in step into one row per
  // item, and only rows whose token_version still matches are written.
  text: `update items as i set kid = v.kid, envelope = v.envelope, updated_at = $1
    from unnest($2::text[], $3::int4[], $4::text[], $5::bytea[]) as v(item_id, ver, kid, envelope)
    where i.item_id = v.item_id and i.token_version = v.ver
    returning i.item_id`,
};

/**
 * Opens the append's transaction and takes the chain's lock in one round trip
 * (two statements in one simple query): the head row stays locked FOR UPDATE
 * until COMMIT or ROLLBACK. max(seq) (one end of the primary key's index) shows
 * a row the vault did not write. It is read in the statement's snapshot, which
 * may predate the head returned after a lock wait: then it is lower, never
 * higher, than that head, so a legitimate append is never refused.
 */
const LOCK_AUDIT_HEAD =
  'begin; select last_seq, last_hash, (select max(seq) from audit_events) as max_seq from audit_head where id = 1 for update';

const APPEND_AUDIT_QUERY = {
  name: 'plaid_vault_append_audit',
  // The whole batch in one prepared statement: one array per column, unnested
  // in step into rows (13 parameters and one plan however many rows, where a
  // multi-row VALUES bound and serialised 11 per row), and the head moved in the
  // same statement. A data-modifying CTE always runs to completion.
  text: `with appended as (
      insert into audit_events (${AUDIT_COLUMNS.join(', ')})
      select * from unnest($3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
    )
    update audit_head set last_seq = $1, last_hash = $2 where id = 1`,
};

const QUARANTINE_QUERY = {
  name: 'plaid_vault_quarantine_audit',
  text: `with moved as (delete from audit_events where ${OUTSIDE_CHAIN} returning *)
    insert into audit_quarantine (${AUDIT_COLUMNS.join(', ')}, quarantined_at)
    select ${AUDIT_COLUMNS.join(', ')}, $1 from moved
    returning ${AUDIT_COLUMNS.join(', ')}`,
};

/**
 * PostgreSQL through a pg Pool; `schema` is put on every connection's
 * search_path. `pg` is imported on first use, so SQLite deployments (the
 * default) never load it.
 */
export function createPostgresBackend(opts: PostgresOptions): StoreBackend {
  let created: Pool | undefined;
  const poolReady = import('pg').then(({ default: pg }) => {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      ...(opts.schema ? { options: `-c search_path="${opts.schema}"` } : {}),
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

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: () => poolReady }) });

  return {
    dialect: 'postgres',
    db,
    schema: opts.schema,
    async readEnvelope(itemId) {
      const pool = await poolReady;
      const result = await pool.query<EnvelopeRow>({ ...ENVELOPE_QUERY, values: [itemId] });
      return result.rows[0];
    },
    async readStatus(itemId) {
      const pool = await poolReady;
      const result = await pool.query<{ status: ItemStatus }>({ ...STATUS_QUERY, values: [itemId] });
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
      const result = await pool.query<{ item_id: string }>({ ...REWRAP_QUERY, values: [at, ids, versions, kids, envelopes] });
      return result.rows.map((r) => r.item_id);
    },
    async appendAudit(build) {
      await inTransaction(await poolReady, (client) => appendLocked(client, build));
    },
    async quarantineAudit(at) {
      return inTransaction(await poolReady, async (client) => {
        await client.query('begin; select 1 from audit_head where id = 1 for update');
        const moved = await client.query<AuditEventsTable>({ ...QUARANTINE_QUERY, values: [at] });
        await client.query('commit');
        return moved.rows.sort((x, y) => Number(x.seq) - Number(y.seq));
      });
    },
    async close() {
      // Kysely ends the pool only if it ever used it; the hot path may have been the only user.
      await db.destroy();
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
async function appendLocked(client: PoolClient, build: (head: LockedAuditHead) => AuditAppend): Promise<void> {
  // pg answers a multi-statement simple query with one result per statement.
  const [, locked] = (await client.query(LOCK_AUDIT_HEAD)) as unknown as [
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
  await client.query({ ...APPEND_AUDIT_QUERY, values: [next.head.lastSeq, next.head.lastHash, ...columns] });
  await client.query('commit');
}
