import { apiErrors } from '../http/plaid-error.js';

/**
 * The products this emulator has data and endpoints for: its whole product
 * vocabulary. The sandbox behaves like a Plaid client enabled for exactly
 * these: asking for any other product is INVALID_PRODUCT, so an Item never
 * carries a product whose endpoints would 404, and an institution filter names
 * one of them (test/unit/products.test.ts keeps each a product of Plaid's API).
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
