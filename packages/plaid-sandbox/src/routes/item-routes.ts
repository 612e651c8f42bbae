import { findInstitution } from '../data/institutions.js';
import { objectField, stringArrayField, stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { firedWebhook, isFireableCode, itemErrorWebhook, productForCode } from '../webhooks/bodies.js';
import { itemView } from './item-view.js';
import { route } from './route.js';
import { sendItemWebhook } from './send-webhook.js';

export const itemGet = route({
  path: '/item/get',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    const transactions = item.products.includes('transactions')
      ? { last_successful_update: item.createdAt, last_failed_update: null }
      : undefined;
    return {
      item: itemView(item, true),
      status: { ...(transactions && { transactions }), last_webhook: item.lastWebhook },
    };
  },
});

export const itemWebhookUpdate = route({
  path: '/item/webhook/update',
  allowed: ['access_token', 'webhook'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    item.webhook = stringField(body, 'webhook', true) ?? null;
    ctx.store.touch();
    if (item.webhook) {
      void sendItemWebhook(ctx, item, {
        webhook_type: 'ITEM',
        webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
        item_id: item.itemId,
        new_webhook_url: item.webhook,
        error: null,
        environment: 'sandbox',
      });
    }
    return { item: itemView(item) };
  },
});

export const sandboxResetLogin = route({
  path: '/sandbox/item/reset_login',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    item.loginRequired = true;
    ctx.store.touch();
    void sendItemWebhook(ctx, item, itemErrorWebhook(item));
    return { reset_login: true };
  },
});

export const sandboxFireWebhook = route({
  path: '/sandbox/item/fire_webhook',
  allowed: ['access_token', 'webhook_type', 'webhook_code'],
  required: ['access_token', 'webhook_code'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    const code = stringField(body, 'webhook_code');
    if (!isFireableCode(code)) throw apiErrors.invalidField('webhook_code', 'is not a webhook code that can be fired');
    const product = productForCode(code);
    if (product && !item.products.includes(product)) throw apiErrors.sandboxProductNotEnabled();
    if (!item.webhook || !URL.canParse(item.webhook)) throw apiErrors.sandboxWebhookInvalid();
    void sendItemWebhook(ctx, item, firedWebhook(item, code, stringField(body, 'webhook_type', true), ctx.now()));
    return { webhook_fired: true };
  },
});

export const webhookVerificationKeyGet = route({
  path: '/webhook_verification_key/get',
  allowed: ['key_id'],
  required: ['key_id'],
  handle(body, ctx) {
    const key = ctx.signer.publicKey(stringField(body, 'key_id'));
    if (!key) throw apiErrors.invalidWebhookKeyId();
    return { key };
  },
});

export const institutionsGetById = route({
  path: '/institutions/get_by_id',
  allowed: ['institution_id', 'country_codes', 'options'],
  required: ['institution_id', 'country_codes'],
  handle(body) {
    const institution = findInstitution(stringField(body, 'institution_id'));
    const countries = stringArrayField(body, 'country_codes') ?? [];
    if (!institution || !countries.some((c) => institution.countryCodes.includes(c))) throw apiErrors.invalidInstitution();
    const options = objectField(body, 'options');
    const metadata = options.include_optional_metadata === true;
    return {
      institution: {
        institution_id: institution.institutionId,
        name: institution.name,
        products: [...institution.products],
        country_codes: [...institution.countryCodes],
        routing_numbers: [...institution.routingNumbers],
        dtc_numbers: [],
        oauth: institution.oauth,
        ...(metadata && { url: institution.url, primary_color: institution.primaryColor, logo: null }),
      },
    };
  },
});
