import type { Selectable } from 'kysely';
import type { ItemStatus } from '../types/items.js';
import type { ItemsTable } from './db-schema.js';
import { fromMillis, fromMillisOrNull } from './time.js';
import type { ItemRow } from './types.js';

function parseProducts(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

/** Database row -> ItemRow: the one place column names meet field names. */
export function toItemRow(r: Selectable<ItemsTable>): ItemRow {
  return {
    itemId: r.item_id,
    userId: r.user_id,
    institutionId: r.institution_id,
    institutionName: r.institution_name,
    products: parseProducts(r.products),
    status: r.status as ItemStatus,
    kid: r.kid,
    envelope: r.envelope,
    tokenVersion: Number(r.token_version),
    syncCursor: r.sync_cursor,
    needsSync: Number(r.needs_sync) === 1,
    rotationLeaseOwner: r.rotation_lease_owner,
    rotationLeaseUntil: fromMillisOrNull(r.rotation_lease_until),
    createdAt: fromMillis(r.created_at),
    updatedAt: fromMillis(r.updated_at),
    rotatedAt: fromMillisOrNull(r.rotated_at),
    lastUsedAt: fromMillisOrNull(r.last_used_at),
  };
}
