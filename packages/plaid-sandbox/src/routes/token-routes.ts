import { findInstitution } from '../data/institutions.js';
import { checkProducts } from '../data/products.js';
import { dataUser } from '../data/test-users.js';
import { objectField, stringArrayField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { itemSpecForLink } from '../state/link-token.js';
import { route } from './route.js';

/**
 * Emulator extension: `options` may carry `required_if_supported_products`,
 * `optional_products` and `additional_consented_products` (Plaid's sandbox endpoint has
 * no way to say them), treated as the same lists on a link token would be.
 */
const CONSENT_OPTIONS = ['required_if_supported_products', 'optional_products', 'additional_consented_products'] as const;

export const sandboxPublicTokenCreate = route({
  path: '/sandbox/public_token/create',
  allowed: ['institution_id', 'initial_products', 'options', 'user_token', 'user_id'],
  required: ['institution_id', 'initial_products'],
  handle(body, ctx) {
    const institution = findInstitution(stringField(body, 'institution_id'));
    if (!institution) throw apiErrors.invalidInstitution();
    const products = stringArrayField(body, 'initial_products') ?? [];
    if (products.length === 0) throw apiErrors.invalidField('initial_products', 'must contain at least one product');
    const options: Body = objectField(body, 'options');
    const [required, optional, consented] = CONSENT_OPTIONS.map((name) => stringArrayField(options, name) ?? []);
    checkProducts([...products, ...required!, ...optional!, ...consented!]);
    const username = stringField(options, 'override_username', true) ?? 'user_good';
    const lists = {
      products,
      requiredIfSupportedProducts: required!,
      optionalProducts: optional!,
      additionalConsentedProducts: consented!,
      webhook: stringField(options, 'webhook', true) ?? null,
    };
    // Unknown usernames behave as user_good: the sandbox has one data set per special user.
    const spec = itemSpecForLink(lists, institution, dataUser(username));
    return { public_token: ctx.store.createPublicToken(spec, ctx.now()) };
  },
});

export const publicTokenExchange = route({
  path: '/item/public_token/exchange',
  allowed: ['public_token'],
  required: ['public_token'],
  handle(body, ctx) {
    const { accessToken, item, created } = ctx.store.exchange(stringField(body, 'public_token'), ctx.now());
    if (created && item.products.includes('transactions')) ctx.pulls.start(item);
    return { access_token: accessToken, item_id: item.itemId };
  },
});

export const itemPublicTokenCreate = route({
  path: '/item/public_token/create',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    const { publicToken, expiresAt } = ctx.store.createUpdatePublicToken(item.itemId, ctx.now());
    return { public_token: publicToken, expiration: new Date(expiresAt).toISOString() };
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
