import { Migrator, sql } from 'kysely';
import type { AuditAnchor, AuditEvent, AuditQuery, AuditVerifyOptions, AuditVerifyResult, NewAuditEvent } from '../types/audit.js';
import type { Clock } from '../types/clock.js';
import type { ItemStatus } from '../types/items.js';
import { appendAuditEvents, listAuditEvents, quarantineAuditRows, readAuditAnchor } from './audit-store.js';
import { firstRowOutsideChain, verifyAuditChain } from './audit-verify.js';
import { toStoreError } from './db-errors.js';
import type { StoreBackend } from './store-backend.js';
import * as items from './item-store.js';
import { deleteMarker, getMarker, putMarker } from './marker-store.js';
import { createMigrationProvider } from './migrations/index.js';
import { toMillis } from './time.js';
import type { EnvelopeRow, ItemFilter, ItemPatch, ItemRow, MigrationState, NewItemRow, RewrapRow, TokenStore } from './types.js';

function rethrowStoreError(err: unknown): never {
  throw toStoreError(err);
}

/**
 * TokenStore over Kysely, one implementation for both dialects: the item,
 * audit and marker statements live in item-store.ts, audit-store.ts and
 * marker-store.ts; this class runs each through #run so driver errors leave
 * as VaultErrors.
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
    return this.#run(() => items.insertItem(this.#db, row, now));
  }

  getItem(itemId: string): Promise<ItemRow | undefined> {
    return this.#run(() => items.getItem(this.#db, itemId));
  }

  getEnvelope(itemId: string): Promise<EnvelopeRow | undefined> {
    // The hot path: no extra async frame, no row mapping (the backend's query aliases the columns).
    return this.#backend.readEnvelope(itemId).catch(rethrowStoreError);
  }

  getItemStatus(itemId: string): Promise<ItemStatus | undefined> {
    return this.#backend.readStatus(itemId).catch(rethrowStoreError);
  }

  listItems(filter: ItemFilter): Promise<ItemRow[]> {
    return this.#run(() => items.listItems(this.#db, filter));
  }

  countItems(filter: Pick<ItemFilter, 'userId' | 'status'> = {}): Promise<number> {
    return this.#run(() => items.countItems(this.#db, filter));
  }

  countByKid(): Promise<Record<string, number>> {
    return this.#run(() => items.countByKid(this.#db));
  }

  swapToken(
    itemId: string,
    expectedVersion: number,
    next: { kid: string; envelope: Buffer; rotated: boolean; status?: ItemStatus },
    now: Date,
  ): Promise<number> {
    return this.#run(() => items.swapToken(this.#db, itemId, expectedVersion, next, now));
  }

  rewrapToken(itemId: string, expectedVersion: number, next: { kid: string; envelope: Buffer }, now: Date): Promise<boolean> {
    return this.#run(() => items.rewrapToken(this.#db, itemId, expectedVersion, next, now));
  }

  rewrapTokens(rows: readonly RewrapRow[], now: Date): Promise<string[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.#run(() => this.#backend.rewrapTokens(rows, toMillis(now)));
  }

  updateItem(itemId: string, patch: ItemPatch, now: Date): Promise<boolean> {
    return this.#run(() => items.updateItem(this.#db, itemId, patch, now));
  }

  changeStatus(itemId: string, change: { to: ItemStatus; from?: readonly ItemStatus[] }, now: Date): Promise<boolean> {
    return this.#run(() => items.changeStatus(this.#db, itemId, change, now));
  }

  acquireLease(itemId: string, owner: string, until: Date, now: Date): Promise<boolean> {
    return this.#run(() => items.acquireLease(this.#db, itemId, owner, until, now));
  }

  releaseLease(itemId: string, owner: string): Promise<void> {
    return this.#run(() => items.releaseLease(this.#db, itemId, owner));
  }

  deleteItem(itemId: string): Promise<boolean> {
    return this.#run(() => items.deleteItem(this.#db, itemId));
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
