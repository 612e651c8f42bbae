import { Kysely, PostgresDialect } from 'kysely';
import type { Pool } from 'pg';
import type { Logger } from '../types.js';
import type { Database } from './db-schema.js';
import { ENVELOPE_COLUMNS, type StoreBackend } from './dialect.js';
import type { EnvelopeRow, RewrapRow } from './types.js';

export interface PostgresOptions {
  url: string;
  schema: string | undefined;
  poolMax: number;
  connectTimeoutMs: number;
  logger: Logger;
}

/** 11 bound values per row keeps a chunk far below PostgreSQL's 65 535-parameter limit. */
const INSERT_CHUNK = 500;

const ENVELOPE_QUERY = {
  // Named: pg prepares it once per connection and reuses the plan.
  name: 'plaid_vault_get_envelope',
  text: `select ${ENVELOPE_COLUMNS} from items where item_id = $1`,
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
    appendAudit(build) {
      return db.transaction().execute(async (trx) => {
        const head = await trx
          .selectFrom('audit_head')
          .select(['last_seq', 'last_hash'])
          .where('id', '=', 1)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const next = build({ lastSeq: Number(head.last_seq), lastHash: head.last_hash });
        for (let i = 0; i < next.rows.length; i += INSERT_CHUNK) {
          await trx
            .insertInto('audit_events')
            .values(next.rows.slice(i, i + INSERT_CHUNK))
            .execute();
        }
        await trx
          .updateTable('audit_head')
          .set({ last_seq: next.head.lastSeq, last_hash: next.head.lastHash })
          .where('id', '=', 1)
          .execute();
      });
    },
    async close() {
      // Kysely ends the pool only if it ever used it; the hot path may have been the only user.
      await db.destroy();
      if (created && !created.ended) await created.end();
    },
  };
}
