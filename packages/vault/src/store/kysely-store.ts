import type { Kysely } from 'kysely';
import type { AuditAnchor, AuditEvent, AuditQuery, AuditVerifyOptions, AuditVerifyResult, NewAuditEvent } from '../types/audit.js';
import type { Clock } from '../types/clock.js';
import type { ItemStatus } from '../types/items.js';
import { appendAuditEvents, listAuditEvents, quarantineAuditRows, readAuditAnchor } from './audit-store.js';
import { firstRowOutsideChain, verifyAuditChain } from './audit-verify.js';
import { toStoreError } from './db-errors.js';
import type { Database } from './db-schema.js';
import type { StoreBackend } from './store-backend.js';
import * as items from './item-store.js';
import { deleteMarker, getMarker, putMarker } from './marker-store.js';
import { allMigrationsApplied } from './migrations/names.js';
import { toMillis } from './time.js';
import type { EnvelopeRow, ItemFilter, ItemPatch, ItemRow, MigrationState, NewItemRow, RewrapRow, TokenStore } from './types.js';

function rethrowStoreError(err: unknown): never {
  throw toStoreError(err);
}

/**
 * TokenStore over Kysely, one implementation for both dialects: the item,
 * audit and marker statements live in item-store.ts, audit-store.ts and
 * marker-store.ts; this class runs each through #run (raw statements of the
 * backend) or #query (the query builder, which imports Kysely on first use) so
 * driver errors leave as VaultErrors.
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

  #query<T>(op: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#backend.kysely().then(op).catch(rethrowStoreError);
  }

  async #migrator() {
    const [{ createVaultMigrator }, db] = await Promise.all([import('./query-builder.js'), this.#backend.kysely()]);
    return createVaultMigrator(db, this.dialect, this.#backend.schema);
  }

  migrate(): Promise<void> {
    return this.#run(async () => {
      // Every start runs this: one raw read of the applied names, and Kysely's
      // migrator (its import, its tables, its lock, its catalog reads) only
      // when a migration is missing. Concurrent starts on a fresh database all
      // reach the migrator, whose lock applies each migration once.
      if (allMigrationsApplied(await this.#backend.appliedMigrations())) return;
      const { error } = await (await this.#migrator()).migrateToLatest();
      if (error) throw error;
    });
  }

  migrationStatus(): Promise<MigrationState[]> {
    return this.#run(async () => {
      const infos = await (await this.#migrator()).getMigrations();
      return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
    });
  }

  ping(): Promise<void> {
    return this.#run(() => this.#backend.ping());
  }

  close(): Promise<void> {
    return this.#run(() => this.#backend.close());
  }

  insertItem(row: NewItemRow, now: Date): Promise<void> {
    return this.#query((db) => items.insertItem(db, row, now));
  }

  getItem(itemId: string): Promise<ItemRow | undefined> {
    return this.#query((db) => items.getItem(db, itemId));
  }

  getEnvelope(itemId: string): Promise<EnvelopeRow | undefined> {
    // The hot path: no extra async frame, no row mapping (the backend's query aliases the columns).
    return this.#backend.readEnvelope(itemId).catch(rethrowStoreError);
  }

  getItemStatus(itemId: string): Promise<ItemStatus | undefined> {
    return this.#backend.readStatus(itemId).catch(rethrowStoreError);
  }

  listItems(filter: ItemFilter): Promise<ItemRow[]> {
    return this.#query((db) => items.listItems(db, filter));
  }

  countItems(filter: Pick<ItemFilter, 'userId' | 'status'> = {}): Promise<number> {
    return this.#query((db) => items.countItems(db, filter));
  }

  countByKid(): Promise<Record<string, number>> {
    return this.#query((db) => items.countByKid(db));
  }

  swapToken(
    itemId: string,
    expectedVersion: number,
    next: { kid: string; envelope: Buffer; rotated: boolean; status?: ItemStatus },
    now: Date,
  ): Promise<number> {
    return this.#query((db) => items.swapToken(db, itemId, expectedVersion, next, now));
  }

  rewrapToken(itemId: string, expectedVersion: number, next: { kid: string; envelope: Buffer }, now: Date): Promise<boolean> {
    return this.#query((db) => items.rewrapToken(db, itemId, expectedVersion, next, now));
  }

  rewrapTokens(rows: readonly RewrapRow[], now: Date): Promise<string[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.#run(() => this.#backend.rewrapTokens(rows, toMillis(now)));
  }

  updateItem(itemId: string, patch: ItemPatch, now: Date): Promise<boolean> {
    return this.#query((db) => items.updateItem(db, itemId, patch, now));
  }

  changeStatus(itemId: string, change: { to: ItemStatus; from?: readonly ItemStatus[] }, now: Date): Promise<boolean> {
    return this.#query((db) => items.changeStatus(db, itemId, change, now));
  }

  acquireLease(itemId: string, owner: string, until: Date, now: Date): Promise<boolean> {
    return this.#query((db) => items.acquireLease(db, itemId, owner, until, now));
  }

  releaseLease(itemId: string, owner: string): Promise<void> {
    return this.#query((db) => items.releaseLease(db, itemId, owner));
  }

  deleteItem(itemId: string): Promise<boolean> {
    return this.#query((db) => items.deleteItem(db, itemId));
  }

  appendAudit(events: NewAuditEvent[]): Promise<void> {
    return this.#run(() => appendAuditEvents(this.#backend, events, this.#clock));
  }

  listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    return this.#query((db) => listAuditEvents(db, query));
  }

  verifyAudit(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    return this.#query((db) => verifyAuditChain(db, opts));
  }

  auditHead(): Promise<AuditAnchor> {
    return this.#query((db) => readAuditAnchor(db));
  }

  auditRowOutsideChain(): Promise<number | undefined> {
    return this.#query((db) => firstRowOutsideChain(db));
  }

  quarantineAudit(): Promise<AuditEvent[]> {
    return this.#run(() => quarantineAuditRows(this.#backend, this.#clock));
  }

  putMarker(key: string, value: string, expiresAt: Date | null): Promise<boolean> {
    const now = this.#clock.now();
    return this.#query((db) => putMarker(db, key, value, expiresAt, now));
  }

  getMarker(key: string): Promise<string | undefined> {
    const now = this.#clock.now();
    return this.#query((db) => getMarker(db, key, now));
  }

  deleteMarker(key: string): Promise<void> {
    return this.#query((db) => deleteMarker(db, key));
  }
}
