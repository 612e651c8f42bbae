/**
 * The emulator's product vocabulary: what it serves is a subset of Plaid's own
 * product names (the SDK's enum), and it is all an institution filter accepts.
 */
import { Products } from 'plaid';
import { describe, expect, it } from 'vitest';
import { SERVED_PRODUCTS } from '../../src/data/products.js';
import { SandboxApiError } from '../../src/http/plaid-error.js';
import { institutionsGet, institutionsSearch } from '../../src/routes/institution-routes.js';
import type { SandboxContext } from '../../src/routes/route.js';

const noContext = {} as SandboxContext;
const errorCodeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err instanceof SandboxApiError ? err.code : err;
  }
  return undefined;
};

describe('served products', () => {
  it('are Plaid products by name, never balance', () => {
    const plaidProducts = new Set<string>(Object.values(Products));
    expect([...SERVED_PRODUCTS].filter((p) => !plaidProducts.has(p))).toEqual([]);
    expect(SERVED_PRODUCTS.has('balance')).toBe(false);
  });

  it('are what an institution filter may name', () => {
    const search = (products: string[]) => () =>
      institutionsSearch.handle({ query: 'bank', country_codes: ['US'], products }, noContext) as { institutions: unknown[] };
    expect(search(['investments'])().institutions.length).toBeGreaterThan(0);
    // A Plaid product the emulator does not serve, and a name that is no product at all.
    expect(errorCodeOf(search(['assets']))).toBe('INVALID_FIELD');
    expect(errorCodeOf(search(['nope']))).toBe('INVALID_FIELD');
    const get = () => institutionsGet.handle({ count: 5, offset: 0, country_codes: ['US'], options: { products: ['assets'] } }, noContext);
    expect(errorCodeOf(get)).toBe('INVALID_FIELD');
  });
});
