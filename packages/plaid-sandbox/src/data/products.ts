import { apiErrors } from '../http/plaid-error.js';

/** Products Plaid accepts by name (SDK v47 `Products`). */
export const KNOWN_PRODUCTS: ReadonlySet<string> = new Set([
  'assets',
  'auth',
  'balance',
  'balance_plus',
  'beacon',
  'identity',
  'identity_match',
  'investments',
  'investments_auth',
  'liabilities',
  'payment_initiation',
  'identity_verification',
  'transactions',
  'credit_details',
  'income',
  'income_verification',
  'standing_orders',
  'transfer',
  'employment',
  'recurring_transactions',
  'transactions_refresh',
  'signal',
  'statements',
  'processor_payments',
  'processor_identity',
  'profile',
  'cra_base_report',
  'cra_income_insights',
  'cra_partner_insights',
  'cra_network_insights',
  'cra_cashflow_insights',
  'cra_monitoring',
  'cra_lend_score',
  'cra_plaid_credit_score',
  'cra_qualify',
  'cra_home_lending',
  'layer',
  'pay_by_bank',
  'protect_linked_bank',
  'protect_transactions',
]);

/**
 * The products this emulator has data and endpoints for. The sandbox behaves like a
 * Plaid client enabled for exactly these: asking for any other product is
 * INVALID_PRODUCT, so an Item never carries a product whose endpoints would 404.
 */
export const SERVED_PRODUCTS: ReadonlySet<string> = new Set([
  'auth',
  'identity',
  'identity_match',
  'investments',
  'liabilities',
  'transactions',
]);

/**
 * Rejects unknown product names, `balance` (Plaid refuses it in every product list) and
 * products the emulator cannot serve, the way Plaid answers a client not enabled for them.
 */
export function checkProducts(products: readonly string[]): void {
  const bad = products.filter((p) => !SERVED_PRODUCTS.has(p));
  if (bad.length > 0) throw apiErrors.invalidProduct([...new Set(bad)]);
}
