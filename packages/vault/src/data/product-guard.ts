import { ProductNotEnabledError } from '../errors.js';

// The configured list itself is validated once, at start-up, by parseConfig (config.ts).

/**
 * Least privilege: refuse, before any network call, a data call whose product
 * the vault was not configured for.
 */
export function assertProductEnabled(configured: readonly string[], product: string): void {
  if (!configured.includes(product)) throw new ProductNotEnabledError(undefined, { details: { product } });
}
