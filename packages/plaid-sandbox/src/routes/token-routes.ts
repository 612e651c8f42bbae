import { findInstitution, KNOWN_PRODUCTS } from '../data/institutions.js';
import { objectField, stringArrayField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { route } from './route.js';

const LINK_TTL_MS = 4 * 3600_000;
const LINK_UPDATE_TTL_MS = 30 * 60_000;
const COUNTRY_CODES = new Set('US GB ES NL FR IE CA DE IT PL DK NO SE EE LT LV PT BE AT FI'.split(' '));
const SPECIAL_USERS = new Set(['user_good', 'user_transactions_dynamic']);

/** Rejects unknown product names and `balance`, which Plaid refuses as an initial product. */
function checkProducts(products: readonly string[]): void {
  const bad = products.filter((p) => !KNOWN_PRODUCTS.has(p) || p === 'balance');
  if (bad.length > 0) throw apiErrors.invalidProduct(bad);
}

export const linkTokenCreate = route({
  path: '/link/token/create',
  allowed: [
    'client_name',
    'language',
    'country_codes',
    'user',
    'user_id',
    'products',
    'required_if_supported_products',
    'optional_products',
    'additional_consented_products',
    'webhook',
    'access_token',
    'redirect_uri',
    'transactions',
    'account_filters',
    'update',
    'user_token',
    'link_customization_name',
    'android_package_name',
    'auth',
    'identity',
    'hosted_link',
    'investments',
    'statements',
  ],
  required: ['client_name', 'language', 'country_codes'],
  handle(body, ctx) {
    const clientName = stringField(body, 'client_name');
    const language = stringField(body, 'language');
    const countries = stringArrayField(body, 'country_codes') ?? [];
    if (countries.length === 0 || countries.some((c) => !COUNTRY_CODES.has(c)))
      throw apiErrors.invalidField('country_codes', 'must be a non-empty list of supported country codes');
    if (body.user === undefined && body.user_id === undefined) throw apiErrors.missingFields(['user']);
    if (body.user !== undefined) stringField(objectField(body, 'user'), 'client_user_id');
    const accessToken = stringField(body, 'access_token', true);
    const item = accessToken === undefined ? undefined : ctx.store.itemFor(accessToken);
    const products = stringArrayField(body, 'products') ?? [];
    if (item === undefined && products.length === 0) throw apiErrors.missingFields(['products']);
    const list = (name: string) => [...new Set(stringArrayField(body, name) ?? [])];
    const [requiredIfSupported, optional, consented] = [
      list('required_if_supported_products'),
      list('optional_products'),
      list('additional_consented_products'),
    ];
    checkProducts([...products, ...requiredIfSupported, ...optional, ...consented]);
    const now = ctx.now();
    const expiresAt = now.getTime() + (item === undefined ? LINK_TTL_MS : LINK_UPDATE_TTL_MS);
    const linkToken = ctx.store.createLinkToken(
      {
        expiresAt,
        createdAt: now.toISOString(),
        clientName,
        language,
        countryCodes: [...new Set(countries)],
        products: [...new Set(products)],
        requiredIfSupportedProducts: requiredIfSupported,
        optionalProducts: optional,
        additionalConsentedProducts: consented,
        webhook: stringField(body, 'webhook', true) ?? null,
        redirectUri: stringField(body, 'redirect_uri', true) ?? null,
        itemId: item?.itemId ?? null,
      },
      now,
    );
    return { link_token: linkToken, expiration: new Date(expiresAt).toISOString() };
  },
});

export const sandboxPublicTokenCreate = route({
  path: '/sandbox/public_token/create',
  allowed: ['institution_id', 'initial_products', 'options', 'user_token', 'user_id'],
  required: ['institution_id', 'initial_products'],
  handle(body, ctx) {
    const institution = findInstitution(stringField(body, 'institution_id'));
    if (!institution) throw apiErrors.invalidInstitution();
    const products = stringArrayField(body, 'initial_products') ?? [];
    if (products.length === 0) throw apiErrors.invalidField('initial_products', 'must contain at least one product');
    checkProducts(products);
    if (products.some((p) => !institution.products.includes(p))) throw apiErrors.productsNotSupported();
    const options: Body = objectField(body, 'options');
    const username = stringField(options, 'override_username', true) ?? 'user_good';
    const webhook = stringField(options, 'webhook', true) ?? null;
    const { publicToken } = ctx.store.createPublicToken(
      // Unknown usernames behave as user_good: the sandbox has one data set per special user.
      {
        institutionId: institution.institutionId,
        products: [...new Set(products)],
        webhook,
        username: SPECIAL_USERS.has(username) ? username : 'user_good',
      },
      ctx.now(),
    );
    return { public_token: publicToken };
  },
});

export const publicTokenExchange = route({
  path: '/item/public_token/exchange',
  allowed: ['public_token'],
  required: ['public_token'],
  handle(body, ctx) {
    const { accessToken, item } = ctx.store.exchange(stringField(body, 'public_token'), ctx.now());
    return { access_token: accessToken, item_id: item.itemId };
  },
});

export const accessTokenInvalidate = route({
  path: '/item/access_token/invalidate',
  allowed: ['access_token'],
  required: ['access_token'],
  handle: (body, ctx) => ({ new_access_token: ctx.store.invalidate(stringField(body, 'access_token')) }),
});

const REMOVE_REASONS = new Set([
  'FRAUD_FIRST_PARTY',
  'FRAUD_FALSE_IDENTITY',
  'FRAUD_ABUSE',
  'FRAUD_OTHER',
  'CONNECTION_IS_NON_FUNCTIONAL',
  'OTHER',
]);

export const itemRemove = route({
  path: '/item/remove',
  allowed: ['access_token', 'reason_code', 'reason_note'],
  required: ['access_token'],
  handle(body, ctx) {
    const reason = stringField(body, 'reason_code', true);
    if (reason !== undefined && !REMOVE_REASONS.has(reason)) throw apiErrors.invalidField('reason_code', 'is not a valid reason code');
    if ((stringField(body, 'reason_note', true)?.length ?? 0) > 512)
      throw apiErrors.invalidField('reason_note', 'must be at most 512 characters');
    ctx.store.remove(stringField(body, 'access_token'));
    return {};
  },
});
