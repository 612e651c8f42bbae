import { findInstitution } from '../data/institutions.js';
import { apiErrors } from '../http/plaid-error.js';
import type { SandboxContext } from '../routes/route.js';
import type { ItemRecord } from './sandbox-store.js';

/**
 * Whether a data call for `product` may go ahead on this Item: true if the product is
 * consented but not yet initialized (the caller then initializes it). As Plaid answers:
 * PRODUCTS_NOT_SUPPORTED when the institution cannot serve it, ADDITIONAL_CONSENT_REQUIRED
 * when the user never consented (it was in none of `products`, `required_if_supported_products`,
 * `optional_products`, `additional_consented_products`).
 */
export function needsInitialization(item: ItemRecord, product: string): boolean {
  if (item.products.includes(product)) return false;
  const supported = findInstitution(item.institutionId)?.products.includes(product) ?? false;
  if (!supported) throw apiErrors.productsNotSupported();
  if (!item.consentedProducts.includes(product)) throw apiErrors.additionalConsentRequired(product);
  return true;
}

/**
 * Adds a consented product to the Item, as Plaid does on the first call to its endpoint:
 * it becomes billed, and Transactions starts its first pull (instant unless timing is on).
 */
export function initializeProduct(ctx: SandboxContext, item: ItemRecord, product: string): void {
  item.products.push(product);
  item.consentedProducts = item.consentedProducts.filter((p) => p !== product);
  if (product === 'transactions') ctx.pulls.start(item);
  if (product === 'investments') item.investmentsUpdatedAt = ctx.now().toISOString();
  ctx.store.touch();
}
