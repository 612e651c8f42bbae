/**
 * The items table's statements (ItemStore, store/types.ts), one function each
 * over a Kysely instance; KyselyStore runs them and maps driver errors. The
 * hot-path reads (getEnvelope, getItemStatus) and the batched re-wrap are the
 * backends' own (store-backend.ts).
 */
import type { Kysely } from 'kysely';
import { StoreConflictError } from '../errors.js';
import type { ItemStatus } from '../types/items.js';
import type { Database } from './db-schema.js';
import { toItemRow } from './item-rows.js';
import { toMillis } from './time.js';
import type { ItemFilter, ItemPatch, ItemRow, NewItemRow } from './types.js';

const DEFAULT_LIST_LIMIT = 1000;
const MAX_LIST_LIMIT = 10_000;

export async function insertItem(db: Kysely<Database>, row: NewItemRow, now: Date): Promise<void> {
  const at = toMillis(now);
  await db
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
}

export async function getItem(db: Kysely<Database>, itemId: string): Promise<ItemRow | undefined> {
  const r = await db.selectFrom('items').selectAll().where('item_id', '=', itemId).executeTakeFirst();
  return r && toItemRow(r);
}

export async function listItems(db: Kysely<Database>, filter: ItemFilter): Promise<ItemRow[]> {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT);
  let q = db.selectFrom('items').selectAll();
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.afterItemId !== undefined) q = q.where('item_id', '>', filter.afterItemId);
  if (filter.rotatedBefore !== undefined) {
    const before = toMillis(filter.rotatedBefore);
    q = q.where((eb) => eb(eb.fn.coalesce('rotated_at', 'created_at'), '<', before));
  }
  const rows = await q.orderBy('item_id').limit(limit).execute();
  return rows.map(toItemRow);
}

export async function countItems(db: Kysely<Database>, filter: Pick<ItemFilter, 'userId' | 'status'> = {}): Promise<number> {
  let q = db.selectFrom('items').select((eb) => eb.fn.countAll().as('n'));
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countByKid(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('items')
    .select((eb) => ['kid', eb.fn.countAll().as('n')])
    .groupBy('kid')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kid, Number(r.n)]));
}

export async function swapToken(
  db: Kysely<Database>,
  itemId: string,
  expectedVersion: number,
  next: { kid: string; envelope: Buffer; rotated: boolean; status?: ItemStatus },
  now: Date,
): Promise<number> {
  const at = toMillis(now);
  const r = await db
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
}

export async function rewrapToken(
  db: Kysely<Database>,
  itemId: string,
  expectedVersion: number,
  next: { kid: string; envelope: Buffer },
  now: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('items')
    .set({ kid: next.kid, envelope: next.envelope, updated_at: toMillis(now) })
    .where('item_id', '=', itemId)
    .where('token_version', '=', expectedVersion)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function updateItem(db: Kysely<Database>, itemId: string, patch: ItemPatch, now: Date): Promise<boolean> {
  const r = await db
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
}

export async function changeStatus(
  db: Kysely<Database>,
  itemId: string,
  change: { to: ItemStatus; from?: readonly ItemStatus[] },
  now: Date,
): Promise<boolean> {
  if (change.from?.length === 0) return false;
  // One conditional UPDATE, not read-then-write: the database decides a race
  // (PostgreSQL re-checks the WHERE on the row a concurrent writer just
  // committed; SQLite serialises writers), so one writer sees a changed row.
  let q = db
    .updateTable('items')
    .set({ status: change.to, updated_at: toMillis(now) })
    .where('item_id', '=', itemId)
    .where('status', '<>', change.to);
  if (change.from) q = q.where('status', 'in', [...change.from]);
  const r = await q.executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function acquireLease(db: Kysely<Database>, itemId: string, owner: string, until: Date, now: Date): Promise<boolean> {
  // One conditional UPDATE: the database decides the race, on both dialects.
  const r = await db
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
}

export async function releaseLease(db: Kysely<Database>, itemId: string, owner: string): Promise<void> {
  await db
    .updateTable('items')
    .set({ rotation_lease_owner: null, rotation_lease_until: null })
    .where('item_id', '=', itemId)
    .where('rotation_lease_owner', '=', owner)
    .execute();
}

export async function deleteItem(db: Kysely<Database>, itemId: string): Promise<boolean> {
  const r = await db.deleteFrom('items').where('item_id', '=', itemId).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
