import { CountryCode, Products } from 'plaid';
import { describe, expect, it } from 'vitest';
import { PLAID_COUNTRY_CODES, PLAID_PRODUCTS } from '../../src/plaid/names.js';

describe('plaid names', () => {
  it('lists exactly the SDK products and countries', () => {
    expect([...PLAID_PRODUCTS].sort()).toEqual(Object.values(Products).sort());
    expect([...PLAID_COUNTRY_CODES].sort()).toEqual(Object.values(CountryCode).sort());
  });
});
