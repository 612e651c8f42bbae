import { findInstitution, INSTITUTIONS, type InstitutionFixture } from '../data/institutions.js';
import { SERVED_PRODUCTS } from '../data/products.js';
import { intField, objectField, stringArrayField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { route } from './route.js';

/** An institution as Plaid's `Institution` object; `metadata` adds url, colour and logo. */
function institutionView(institution: InstitutionFixture, metadata: boolean) {
  return {
    institution_id: institution.institutionId,
    name: institution.name,
    products: [...institution.products],
    country_codes: [...institution.countryCodes],
    routing_numbers: [...institution.routingNumbers],
    dtc_numbers: [],
    oauth: institution.oauth,
    ...(metadata && { url: institution.url, primary_color: institution.primaryColor, logo: null }),
  };
}

function countryCodes(body: Body): string[] {
  const countries = stringArrayField(body, 'country_codes') ?? [];
  if (countries.length === 0) throw apiErrors.invalidField('country_codes', 'must contain at least one country code');
  return countries;
}

/** Filters shared by search and get: products (all supported), oauth, routing numbers. */
function matchesFilters(institution: InstitutionFixture, countries: string[], products: string[] | undefined, options: Body): boolean {
  if (!countries.some((c) => institution.countryCodes.includes(c))) return false;
  if (products?.some((p) => !institution.products.includes(p))) return false;
  if (typeof options.oauth === 'boolean' && institution.oauth !== options.oauth) return false;
  const routing = stringArrayField(options, 'routing_numbers');
  return !routing || routing.some((r) => institution.routingNumbers.includes(r));
}

function productFilter(value: string[] | undefined, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  // The emulator's institutions carry only what it serves, so a filter on any other product could match none.
  if (value.length === 0 || value.some((p) => !SERVED_PRODUCTS.has(p)))
    throw apiErrors.invalidField(field, 'must be a non-empty list of products this emulator serves');
  return value;
}

export const institutionsGetById = route({
  path: '/institutions/get_by_id',
  allowed: ['institution_id', 'country_codes', 'options'],
  required: ['institution_id', 'country_codes'],
  handle(body) {
    const institution = findInstitution(stringField(body, 'institution_id'));
    const countries = stringArrayField(body, 'country_codes') ?? [];
    if (!institution || !countries.some((c) => institution.countryCodes.includes(c))) throw apiErrors.invalidInstitution();
    return { institution: institutionView(institution, objectField(body, 'options').include_optional_metadata === true) };
  },
});

const SEARCH_LIMIT = 10;

export const institutionsSearch = route({
  path: '/institutions/search',
  allowed: ['query', 'products', 'country_codes', 'options'],
  required: ['query', 'country_codes'],
  handle(body) {
    const query = stringField(body, 'query').trim().toLowerCase();
    if (query.length === 0) throw apiErrors.invalidField('query', 'must not be empty');
    const countries = countryCodes(body);
    const products = productFilter(stringArrayField(body, 'products'), 'products');
    const options = objectField(body, 'options');
    // Plaid matches loosely; here every word of the query must appear in the name.
    const words = query.split(/\s+/);
    const found = INSTITUTIONS.filter(
      (i) => words.every((w) => i.name.toLowerCase().includes(w)) && matchesFilters(i, countries, products, options),
    );
    return { institutions: found.slice(0, SEARCH_LIMIT).map((i) => institutionView(i, options.include_optional_metadata === true)) };
  },
});

export const institutionsGet = route({
  path: '/institutions/get',
  allowed: ['count', 'offset', 'country_codes', 'options'],
  required: ['count', 'offset', 'country_codes'],
  handle(body) {
    const count = intField(body, 'count', 1, 500)!;
    const offset = intField(body, 'offset', 0, Number.MAX_SAFE_INTEGER)!;
    const countries = countryCodes(body);
    const options = objectField(body, 'options');
    const products = productFilter(stringArrayField(options, 'products'), 'options.products');
    const found = INSTITUTIONS.filter((i) => matchesFilters(i, countries, products, options));
    return {
      institutions: found.slice(offset, offset + count).map((i) => institutionView(i, options.include_optional_metadata === true)),
      total: found.length,
    };
  },
});
