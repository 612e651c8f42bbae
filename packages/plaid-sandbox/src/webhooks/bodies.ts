import { apiErrors } from '../http/plaid-error.js';
import type { ItemRecord } from '../state/sandbox-store.js';

/** Webhook codes `/sandbox/item/fire_webhook` accepts, with their type and the product they need. */
const FIREABLE: Record<string, { type: string; product?: string }> = {
  DEFAULT_UPDATE: { type: 'TRANSACTIONS', product: 'transactions' },
  NEW_ACCOUNTS_AVAILABLE: { type: 'ITEM' },
  SMS_MICRODEPOSITS_VERIFICATION: { type: 'AUTH', product: 'auth' },
  AUTHORIZATION_GRANTED: { type: 'ITEM' },
  USER_PERMISSION_REVOKED: { type: 'ITEM' },
  USER_ACCOUNT_REVOKED: { type: 'ITEM' },
  PENDING_DISCONNECT: { type: 'ITEM' },
  RECURRING_TRANSACTIONS_UPDATE: { type: 'TRANSACTIONS', product: 'transactions' },
  LOGIN_REPAIRED: { type: 'ITEM' },
  SYNC_UPDATES_AVAILABLE: { type: 'TRANSACTIONS', product: 'transactions' },
  PRODUCT_READY: { type: 'ASSETS', product: 'assets' },
  ERROR: { type: 'ASSETS', product: 'assets' },
};

/** True if `code` is one fire_webhook accepts. */
export const isFireableCode = (code: string): boolean => Object.hasOwn(FIREABLE, code);

/** The product a fired webhook needs on the Item, if any. */
export const productForCode = (code: string): string | undefined => FIREABLE[code]?.product;

/** Error objects inside webhooks carry `status` and no `request_id`. */
function webhookError(code: 'ITEM_LOGIN_REQUIRED' | 'USER_PERMISSION_REVOKED'): object {
  const base =
    code === 'ITEM_LOGIN_REQUIRED'
      ? apiErrors.itemLoginRequired().toBody()
      : {
          ...apiErrors.itemLoginRequired().toBody(),
          error_code: code,
          error_message: 'the holder of this account has revoked their permission for your application to access it',
        };
  return { ...base, status: 400 };
}

/** The ITEM ERROR webhook that `/sandbox/item/reset_login` triggers. */
export function itemErrorWebhook(item: ItemRecord): object {
  return {
    webhook_type: 'ITEM',
    webhook_code: 'ERROR',
    item_id: item.itemId,
    error: webhookError('ITEM_LOGIN_REQUIRED'),
    environment: 'sandbox',
  };
}

/** TRANSACTIONS SYNC_UPDATES_AVAILABLE. */
export function syncUpdatesWebhook(item: ItemRecord): object {
  return {
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: item.itemId,
    initial_update_complete: true,
    historical_update_complete: true,
    environment: 'sandbox',
  };
}

/** The body for a fire_webhook code (`webhook_type` may pick the product for DEFAULT_UPDATE). */
export function firedWebhook(item: ItemRecord, code: string, type: string | undefined, now: Date): object {
  const base = { webhook_type: type ?? FIREABLE[code]!.type, webhook_code: code, item_id: item.itemId, environment: 'sandbox' };
  switch (code) {
    case 'DEFAULT_UPDATE':
      return { ...base, new_transactions: 0, error: null };
    case 'SYNC_UPDATES_AVAILABLE':
      return syncUpdatesWebhook(item);
    case 'USER_PERMISSION_REVOKED':
      return { ...base, error: webhookError('USER_PERMISSION_REVOKED') };
    case 'USER_ACCOUNT_REVOKED':
      return { ...base, account_id: item.accounts[0]!.account_id };
    case 'PENDING_DISCONNECT':
      return { ...base, reason: 'INSTITUTION_TOKEN_EXPIRATION', disconnect_time: new Date(now.getTime() + 7 * 86_400_000).toISOString() };
    case 'NEW_ACCOUNTS_AVAILABLE':
      return { ...base, error: null };
    case 'ERROR':
      return { ...base, asset_report_id: `${item.itemId}-assets`, error: null };
    default:
      return base;
  }
}
