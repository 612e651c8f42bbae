import type { VaultContext } from '../context.js';
import { setItemStatus } from '../items/item-status.js';
import type { RemoveItem } from '../items/remove.js';

/** A verified webhook body, reduced to what the vault reads. */
export interface PlaidWebhookEvent {
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  /** `error.error_code` for ITEM ERROR webhooks. */
  errorCode: string | null;
  /** The parsed body, for the app hook. */
  body: Record<string, unknown>;
}

/**
 * Act on a verified webhook and say what was done. Unknown types and items
 * the vault does not hold are accepted (Plaid must not retry them) and logged.
 */
export async function dispatchWebhook(ctx: VaultContext, removeItem: RemoveItem, event: PlaidWebhookEvent): Promise<string> {
  const { webhookType, webhookCode, itemId } = event;
  const key = `${webhookType}:${webhookCode}`;
  const row = itemId ? await ctx.store.getItem(itemId) : undefined;
  if (!row) {
    if (itemId) ctx.logger.info({ webhookType, webhookCode }, 'webhook for an item this vault does not hold');
    return itemId ? 'unknown_item' : 'ignored';
  }
  const ref = { itemId: row.itemId, userId: row.userId };
  // A lost token (relink_required) or a withdrawn consent (revoked) is final: no webhook brings the item back.
  if (
    (row.status === 'relink_required' || row.status === 'revoked') &&
    webhookType === 'ITEM' &&
    webhookCode !== 'USER_PERMISSION_REVOKED'
  ) {
    ctx.logger.info({ itemId: row.itemId, webhookCode, status: row.status }, 'webhook for an item that needs relinking: status kept');
    return `kept:${row.status}`;
  }
  switch (key) {
    case 'ITEM:ERROR':
      if (event.errorCode === 'ITEM_LOGIN_REQUIRED') {
        await setItemStatus(ctx, ref, 'login_required', 'webhook');
        return 'status:login_required';
      }
      ctx.logger.warn({ itemId: row.itemId, errorCode: event.errorCode }, 'item error webhook');
      return 'logged';
    case 'ITEM:LOGIN_REPAIRED':
      await setItemStatus(ctx, ref, 'active', 'webhook');
      return 'status:active';
    case 'ITEM:PENDING_EXPIRATION':
    case 'ITEM:PENDING_DISCONNECT':
      await setItemStatus(ctx, ref, 'pending_expiration', 'webhook');
      return 'status:pending_expiration';
    case 'ITEM:USER_PERMISSION_REVOKED':
      // The user withdrew consent: mark first (so nothing uses the token meanwhile), then remove and shred.
      await setItemStatus(ctx, ref, 'revoked', 'webhook');
      await removeItem(ref);
      return 'removed';
    case 'ITEM:NEW_ACCOUNTS_AVAILABLE':
      return 'new_accounts_available';
    case 'ITEM:WEBHOOK_UPDATE_ACKNOWLEDGED':
      return 'acknowledged';
    case 'TRANSACTIONS:SYNC_UPDATES_AVAILABLE':
      await ctx.store.updateItem(row.itemId, { needsSync: true }, ctx.clock.now());
      return 'marked_for_sync';
    default:
      ctx.logger.info({ webhookType, webhookCode }, 'webhook type not handled');
      return 'ignored';
  }
}
