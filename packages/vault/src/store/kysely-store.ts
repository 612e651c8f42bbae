import { Migrator, sql } from 'kysely';
import { StoreConflictError } from '../errors.js';
import type { AuditAnchor, AuditEvent, AuditQuery, AuditVerifyOptions, AuditVerifyResult, NewAuditEvent } from '../types/audit.js';
import type { Clock } from '../types/clock.js';
import type { ItemStatus } from '../types/items.js';
import { appendAuditEvents, listAuditEvents, quarantineAuditRows, readAuditAnchor } from './audit-store.js';
import { firstRowOutsideChain, verifyAuditChain } from './audit-verify.js';
import { toStoreError } from './db-errors.js';
import type { StoreBackend } from './store-backend.js';
import { toItemRow } from './item-rows.js';
import { deleteMarker, getMarker, putMarker } from './markers-store.js';
import { createMigrationProvider } from './migrations/index.js';
import { toMillis } from './time.js';
import type { EnvelopeRow, ItemFilter, ItemPatch, ItemRow, MigrationState, NewItemRow, RewrapRow, TokenStore } from './types.js';

function rethrowStoreError(err: unknown): never {
  throw toStoreError(err);
}

const DEFAULT_LIST_LIMIT = 1000;
const MAX_LIST_LIMIT = 10_000;

/**
 * TokenStore over Kysely, one implementation for both dialects. Every public
 * method runs through #run so driver errors leave as VaultErrors.
 */
export class KyselyStore implements TokenStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly #backend: StoreBackend;
  readonly #clock: Clock;

  constructor(backend: StoreBackend, clock: Clock) {
    this.dialect = backend.dialect;
    this.#backend = backend;
    this.#clock = clock;
  }

  #run<T>(op: () => Promise<T>): Promise<T> {
    return op().catch(rethrowStoreError);
  }

  get #db() {
    return this.#backend.db;
  }

  #migrator(): Migrator {
    return new Migrator({
      db: this.#db,
      provider: createMigrationProvider(this.dialect),
      ...(this.#backend.schema ? { migrationTableSchema: this.#backend.schema } : {}),
    });
  }

  migrate(): Promise<void> {
    return this.#run(async () => {
      const { error } = await this.#migrator().migrateToLatest();
      if (error) throw error;
    });
  }

  migrationStatus(): Promise<MigrationState[]> {
    return this.#run(async () => {
      const infos = await this.#migrator().getMigrations();
      return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
    });
  }

  ping(): Promise<void> {
    return this.#run(async () => {
      await sql`select 1`.execute(this.#db);
    });
  }

  close(): Promise<void> {
    return this.#run(() => this.#backend.close());
  }

  insertItem(row: NewItemRow, now: Date): Promise<void> {
    return this.#run(async () => {
      const at = toMillis(now);
      await this.#db
        .insertInto('items')
        .values({
          item_id: row.itemId,
          user_id: row.userId,
          institution_id: row.institutionId,
          institution_name: row.institutionName,
          products: JSON.stringify(row.products),
          status: row.status ?? 'active',
          kid: row.kid,
          envelope: row.envelope,
          token_version: 1,
          needs_sync: 0,
          created_at: at,
          updated_at: at,
        })
        .execute();
    });
  }

  getItem(itemId: string): Promise<ItemRow | undefined> {
    return this.#run(async () => {
      const r = await this.#db.selectFrom('items').selectAll().where('item_id', '=', itemId).executeTakeFirst();
      return r && toItemRow(r);
    });
  }

  getEnvelope(itemId: string): Promise<EnvelopeRow | undefined> {
    // The hot path: no extra async frame, no row mapping (the backend's query aliases the columns).
    return this.#backend.readEnvelope(itemId).catch(rethrowStoreError);
  }

  getItemStatus(itemId: string): Promise<ItemStatus | undefined> {
    return this.#backend.readStatus(itemId).catch(rethrowStoreError);
  }

  listItems(filter: ItemFilter): Promise<ItemRow[]> {
    return this.#run(async () => {
      const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT);
      let q = this.#db.selectFrom('items').selectAll();
      if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.afterItemId !== undefined) q = q.where('item_id', '>', filter.afterItemId);
      if (filter.rotatedBefore !== undefined) {
        const before = toMillis(filter.rotatedBefore);
        q = q.where((eb) => eb(eb.fn.coalesce('rotated_at', 'created_at'), '<', before));
      }
      const rows = await q.orderBy('item_id').limit(limit).execute();
      return rows.map(toItemRow);
    });
  }

  countItems(filter: Pick<ItemFilter, 'userId' | 'status'> = {}): Promise<number> {
    return this.#run(async () => {
      let q = this.#db.selectFrom('items').select((eb) => eb.fn.countAll().as('n'));
      if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      const r = await q.executeTakeFirstOrThrow();
      return Number(r.n);
    });
  }

  countByKid(): Promise<Record<string, number>> {
    return this.#run(async () => {
      const rows = await this.#db
        .selectFrom('items')
        .select((eb) => ['kid', eb.fn.countAll().as('n')])
        .groupBy('kid')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.kid, Number(r.n)]));
    });
  }

  swapToken(
    itemId: string,
    expectedVersion: number,
    next: { kid: string; envelope: Buffer; rotated: boolean; status?: ItemStatus },
    now: Date,
  ): Promise<number> {
    return this.#run(async () => {
      const at = toMillis(now);
      const r = await this.#db
        .updateTable('items')
        .set((eb) => ({
          kid: next.kid,
          envelope: next.envelope,
          token_version: eb('token_version', '+', 1),
          updated_at: at,
          ...(next.rotated ? { rotated_at: at } : {}),
          ...(next.status !== undefined ? { status: next.status } : {}),
        }))
        .where('item_id', '=', itemId)
        .where('token_version', '=', expectedVersion)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw new StoreConflictError();
      return expectedVersion + 1;
    });
  }

  rewrapToken(itemId: string, expectedVersion: number, next: { kid: string; envelope: Buffer }, now: Date): Promise<boolean> {
    return this.#run(async () => {
      const r = await this.#db
        .updateTable('items')
        .set({ kid: next.kid, envelope: next.envelope, updated_at: toMillis(now) })
        .where('item_id', '=', itemId)
        .where('token_version', '=', expectedVersion)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
  }

  rewrapTokens(rows: readonly RewrapRow[], now: Date): Promise<string[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.#run(() => this.#backend.rewrapTokens(rows, toMillis(now)));
  }

  updateItem(itemId: string, patch: ItemPatch, now: Date): Promise<boolean> {
    return this.#run(async () => {
      const r = await this.#db
        .updateTable('items')
        .set({
          updated_at: toMillis(now),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.syncCursor !== undefined ? { sync_cursor: patch.syncCursor } : {}),
          ...(patch.needsSync !== undefined ? { needs_sync: patch.needsSync ? 1 : 0 } : {}),
          ...(patch.institutionId !== undefined ? { institution_id: patch.institutionId } : {}),
          ...(patch.institutionName !== undefined ? { institution_name: patch.institutionName } : {}),
          ...(patch.lastUsedAt !== undefined ? { last_used_at: toMillis(patch.lastUsedAt) } : {}),
        })
        .where('item_id', '=', itemId)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
  }

  changeStatus(itemId: string, change: { to: ItemStatus; from?: readonly ItemStatus[] }, now: Date): Promise<boolean> {
    if (change.from?.length === 0) return Promise.resolve(false);
    return this.#run(async () => {
      // One conditional UPDATE, not read-then-write: the database decides a race
      // (PostgreSQL re-checks the WHERE on the row a concurrent writer just
      // committed; SQLite serialises writers), so one writer sees a changed row.
      let q = this.#db
        .updateTable('items')
        .set({ status: change.to, updated_at: toMillis(now) })
        .where('item_id', '=', itemId)
        .where('status', '<>', change.to);
      if (change.from) q = q.where('status', 'in', [...change.from]);
      const r = await q.executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
  }

  acquireLease(itemId: string, owner: string, until: Date, now: Date): Promise<boolean> {
    return this.#run(async () => {
      // One conditional UPDATE: the database decides the race, on both dialects.
      const r = await this.#db
        .updateTable('items')
        .set({ rotation_lease_owner: owner, rotation_lease_until: toMillis(until) })
        .where('item_id', '=', itemId)
        .where((eb) =>
          eb.or([
            eb('rotation_lease_owner', 'is', null),
            eb('rotation_lease_until', '<', toMillis(now)),
            eb('rotation_lease_owner', '=', owner),
          ]),
        )
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
  }

  releaseLease(itemId: string, owner: string): Promise<void> {
    return this.#run(async () => {
      await this.#db
        .updateTable('items')
        .set({ rotation_lease_owner: null, rotation_lease_until: null })
        .where('item_id', '=', itemId)
        .where('rotation_lease_owner', '=', owner)
        .execute();
    });
  }

  deleteItem(itemId: string): Promise<boolean> {
    return this.#run(async () => {
      const r = await this.#db.deleteFrom('items').where('item_id', '=', itemId).executeTakeFirst();
      return r.numDeletedRows > 0n;
    });
  }

  appendAudit(events: NewAuditEvent[]): Promise<void> {
    return this.#run(() => appendAuditEvents(this.#backend, events, this.#clock));
  }

  listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    return this.#run(() => listAuditEvents(this.#db, query));
  }

  verifyAudit(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    return this.#run(() => verifyAuditChain(this.#db, opts));
  }

  auditHead(): Promise<AuditAnchor> {
    return this.#run(() => readAuditAnchor(this.#db));
  }

  auditRowOutsideChain(): Promise<number | undefined> {
    return this.#run(() => firstRowOutsideChain(this.#db));
  }

  quarantineAudit(): Promise<AuditEvent[]> {
    return this.#run(() => quarantineAuditRows(this.#backend, this.#clock));
  }

  putMarker(key: string, value: string, expiresAt: Date | null): Promise<boolean> {
    return this.#run(() => putMarker(this.#db, key, value, expiresAt, this.#clock.now()));
  }

  getMarker(key: string): Promise<string | undefined> {
    return this.#run(() => getMarker(this.#db, key, this.#clock.now()));
  }

  deleteMarker(key: string): Promise<void> {
    return this.#run(() => deleteMarker(this.#db, key));
  }
}
