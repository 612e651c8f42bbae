import { holdingsFor } from '../data/investments.js';
import { investmentTransactionsFor } from '../data/investments.js';
import { liabilityAccounts } from '../data/liabilities.js';
import { apiErrors } from '../http/plaid-error.js';
import { currentTransactions } from '../state/ledger.js';
import type { ItemRecord } from '../state/sandbox-store.js';

/** The product each webhook type needs on the Item (ITEM needs none). */
const PRODUCT_OF_TYPE: Readonly<Record<string, string | undefined>> = {
  AUTH: 'auth',
  HOLDINGS: 'investments',
  INVESTMENTS_TRANSACTIONS: 'investments',
  LIABILITIES: 'liabilities',
  TRANSACTIONS: 'transactions',
  ASSETS: 'assets',
  ITEM: undefined,
};

/**
 * Codes `/sandbox/item/fire_webhook` accepts and the webhook types each may have (the
 * first is the default). `AUTHORIZATION_GRANTED` is in the SDK's enum but undocumented,
 * with no body schema in the spec, so it is refused like an unknown code. The Assets
 * codes are accepted but always SANDBOX_PRODUCT_NOT_ENABLED: no Item can have Assets.
 */
const FIREABLE: Readonly<Record<string, readonly string[]>> = {
  DEFAULT_UPDATE: ['TRANSACTIONS', 'AUTH', 'HOLDINGS', 'INVESTMENTS_TRANSACTIONS', 'LIABILITIES'],
  NEW_ACCOUNTS_AVAILABLE: ['ITEM'],
  SMS_MICRODEPOSITS_VERIFICATION: ['AUTH'],
  USER_PERMISSION_REVOKED: ['ITEM'],
  USER_ACCOUNT_REVOKED: ['ITEM'],
  PENDING_DISCONNECT: ['ITEM'],
  RECURRING_TRANSACTIONS_UPDATE: ['TRANSACTIONS'],
  LOGIN_REPAIRED: ['ITEM'],
  SYNC_UPDATES_AVAILABLE: ['TRANSACTIONS'],
  PRODUCT_READY: ['ASSETS'],
  ERROR: ['ASSETS'],
};

/**
 * The webhook type a fire_webhook call means, and the product it needs. An unknown code,
 * or a type that code does not come in, is INVALID_FIELD.
 */
export function fireableWebhook(code: string, type: string | undefined): { type: string; product: string | undefined } {
  const types = Object.hasOwn(FIREABLE, code) ? FIREABLE[code]! : undefined;
  if (!types) throw apiErrors.invalidField('webhook_code', 'is not a webhook code that can be fired');
  if (type !== undefined && !types.includes(type)) throw apiErrors.invalidField('webhook_type', `is not a type ${code} can be fired with`);
  const chosen = type ?? types[0]!;
  return { type: chosen, product: PRODUCT_OF_TYPE[chosen] };
}

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

const common = (item: ItemRecord, type: string, code: string) => ({
  webhook_type: type,
  webhook_code: code,
  item_id: item.itemId,
  environment: 'sandbox',
});

/** The ITEM ERROR webhook that `/sandbox/item/reset_login` triggers (`ItemErrorWebhook`). */
export function itemErrorWebhook(item: ItemRecord): object {
  return { ...common(item, 'ITEM', 'ERROR'), error: webhookError('ITEM_LOGIN_REQUIRED') };
}

/** TRANSACTIONS SYNC_UPDATES_AVAILABLE (`SyncUpdatesAvailableWebhook`), reporting where the first pull is. */
export function syncUpdatesWebhook(item: ItemRecord): object {
  const status = item.transactions?.status ?? 'HISTORICAL_UPDATE_COMPLETE';
  return {
    ...common(item, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE'),
    initial_update_complete: status !== 'NOT_READY',
    historical_update_complete: status === 'HISTORICAL_UPDATE_COMPLETE',
  };
}

/** The legacy `/transactions/get` webhooks: `InitialUpdateWebhook`, `HistoricalUpdateWebhook`, `DefaultUpdateWebhook`. */
export function transactionsUpdateWebhook(
  item: ItemRecord,
  code: 'INITIAL_UPDATE' | 'HISTORICAL_UPDATE' | 'DEFAULT_UPDATE',
  count: number,
) {
  return { ...common(item, 'TRANSACTIONS', code), new_transactions: count, error: null };
}

/** The body for a fire_webhook code of `type` (already checked by {@link fireableWebhook}). */
export function firedWebhook(item: ItemRecord, code: string, type: string, now: Date): object {
  const base = common(item, type, code);
  const depository = item.accounts.find((a) => a.type === 'depository')!.account_id;
  switch (`${type} ${code}`) {
    case 'TRANSACTIONS DEFAULT_UPDATE':
      return transactionsUpdateWebhook(item, 'DEFAULT_UPDATE', 0);
    case 'AUTH DEFAULT_UPDATE':
      return { ...base, account_ids_with_new_auth: [], account_ids_with_updated_auth: { [depository]: ['ACCOUNT_NUMBER'] }, error: null };
    case 'HOLDINGS DEFAULT_UPDATE':
      return {
        ...base,
        new_holdings: holdingsFor(item.accounts, now.toISOString().slice(0, 10)).holdings.length,
        updated_holdings: 0,
        error: null,
      };
    case 'INVESTMENTS_TRANSACTIONS DEFAULT_UPDATE': {
      const count = investmentTransactionsFor(item.itemId, item.accounts, new Date(item.createdAt)).length;
      return { ...base, new_investments_transactions: count, cancelled_investments_transactions: 0, error: null };
    }
    case 'LIABILITIES DEFAULT_UPDATE': {
      const [first] = liabilityAccounts(item.accounts);
      return {
        ...base,
        account_ids_with_new_liabilities: [],
        account_ids_with_updated_liabilities: { [first!.account_id]: ['past_amount_due'] },
        error: null,
      };
    }
    case 'AUTH SMS_MICRODEPOSITS_VERIFICATION':
      return { ...base, status: 'MANUALLY_VERIFIED', account_id: depository };
    case 'TRANSACTIONS SYNC_UPDATES_AVAILABLE':
      return syncUpdatesWebhook(item);
    case 'TRANSACTIONS RECURRING_TRANSACTIONS_UPDATE':
      return { ...base, account_ids: [...new Set(currentTransactions(item.ledger).map((t) => t.account_id))] };
    case 'ITEM USER_PERMISSION_REVOKED':
      return { ...base, error: webhookError('USER_PERMISSION_REVOKED') };
    case 'ITEM USER_ACCOUNT_REVOKED':
      return { ...base, account_id: item.accounts[0]!.account_id };
    case 'ITEM PENDING_DISCONNECT':
      return { ...base, reason: 'INSTITUTION_TOKEN_EXPIRATION', disconnect_time: new Date(now.getTime() + 7 * 86_400_000).toISOString() };
    case 'ITEM NEW_ACCOUNTS_AVAILABLE':
      return { ...base, error: null };
    default:
      // LOGIN_REPAIRED: the common fields are the whole body.
      return base;
  }
}
