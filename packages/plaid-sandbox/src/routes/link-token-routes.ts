import { newToken } from '../data/ids.js';
import { checkProducts } from '../data/products.js';
import { objectField, stringArrayField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import type { LinkTokenRecord } from '../state/link-token.js';
import type { SandboxStore } from '../state/sandbox-store.js';
import { route } from './route.js';

const LINK_TTL_MS = 4 * 3600_000;
const LINK_UPDATE_TTL_MS = 30 * 60_000;
const COUNTRY_CODES = new Set('US GB ES NL FR IE CA DE IT PL DK NO SE EE LT LV PT BE AT FI'.split(' '));

/** The four product lists of `/link/token/create`, checked as Plaid documents: known, servable, no overlap. */
function productLists(body: Body, updateMode: boolean) {
  const lists = {
    products: stringArrayField(body, 'products') ?? [],
    requiredIfSupportedProducts: stringArrayField(body, 'required_if_supported_products') ?? [],
    optionalProducts: stringArrayField(body, 'optional_products') ?? [],
    additionalConsentedProducts: stringArrayField(body, 'additional_consented_products') ?? [],
  };
  if (!updateMode && lists.products.length === 0) throw apiErrors.missingFields(['products']);
  checkProducts(Object.values(lists).flat());
  // Plaid's docs: the arrays must not overlap pairwise.
  const pairs: [keyof typeof lists, keyof typeof lists, string][] = [
    ['products', 'requiredIfSupportedProducts', 'required_if_supported_products'],
    ['products', 'optionalProducts', 'optional_products'],
    ['products', 'additionalConsentedProducts', 'additional_consented_products'],
    ['requiredIfSupportedProducts', 'optionalProducts', 'optional_products'],
    ['requiredIfSupportedProducts', 'additionalConsentedProducts', 'additional_consented_products'],
    ['optionalProducts', 'additionalConsentedProducts', 'additional_consented_products'],
  ];
  for (const [a, b, field] of pairs) {
    if (lists[a].some((p) => lists[b].includes(p))) throw apiErrors.invalidField(field, 'must not overlap with the other product lists');
  }
  return lists;
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
    const countries = stringArrayField(body, 'country_codes') ?? [];
    if (countries.length === 0 || countries.some((c) => !COUNTRY_CODES.has(c)))
      throw apiErrors.invalidField('country_codes', 'must be a non-empty list of supported country codes');
    if (body.user === undefined && body.user_id === undefined) throw apiErrors.missingFields(['user']);
    const clientUserId = body.user === undefined ? null : stringField(objectField(body, 'user'), 'client_user_id');
    const accessToken = stringField(body, 'access_token', true) ?? null;
    const item = accessToken === null ? null : ctx.store.itemFor(accessToken);
    const now = ctx.now();
    const record: LinkTokenRecord = {
      linkToken: newToken('link'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (item ? LINK_UPDATE_TTL_MS : LINK_TTL_MS)).toISOString(),
      clientName: stringField(body, 'client_name'),
      language: stringField(body, 'language'),
      countryCodes: countries,
      clientUserId,
      userId: stringField(body, 'user_id', true) ?? null,
      ...productLists(body, item !== null),
      webhook: stringField(body, 'webhook', true) ?? null,
      redirectUri: stringField(body, 'redirect_uri', true) ?? null,
      accessToken,
      itemId: item?.itemId ?? null,
      accountFilters: body.account_filters === undefined ? null : objectField(body, 'account_filters'),
      sessions: [],
    };
    ctx.store.saveLinkToken(record);
    return { link_token: record.linkToken, expiration: record.expiresAt };
  },
});

/** The live (unexpired) link token, or INVALID_LINK_TOKEN as Plaid answers. */
export function liveLinkToken(store: SandboxStore, linkToken: string, now: Date): LinkTokenRecord {
  const record = store.linkToken(linkToken);
  if (!record || Date.parse(record.expiresAt) <= now.getTime()) throw apiErrors.invalidLinkToken();
  return record;
}

export const linkTokenGet = route({
  path: '/link/token/get',
  allowed: ['link_token'],
  required: ['link_token'],
  handle(body, ctx) {
    // Plaid keeps answering for an expired token (it is for debugging finished sessions).
    const record = ctx.store.linkToken(stringField(body, 'link_token'));
    if (!record) throw apiErrors.invalidLinkToken();
    return {
      link_token: record.linkToken,
      created_at: record.createdAt,
      expiration: record.expiresAt,
      link_sessions: structuredClone(record.sessions),
      metadata: {
        initial_products: [...record.products],
        webhook: record.webhook,
        country_codes: [...record.countryCodes],
        language: record.language,
        redirect_uri: record.redirectUri,
        client_name: record.clientName,
        ...(record.accountFilters && { account_filters: structuredClone(record.accountFilters) }),
      },
      ...(record.userId && { user_id: record.userId }),
    };
  },
});
