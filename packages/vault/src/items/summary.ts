import type { ItemRow } from '../store/types.js';
import type { ItemSummary } from '../types/items.js';

/** Allow-list projection: the most any caller learns about an item. */
export function toSummary(row: ItemRow): ItemSummary {
  return {
    itemId: row.itemId,
    institutionId: row.institutionId,
    institutionName: row.institutionName,
    status: row.status,
    products: [...row.products],
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
  };
}
