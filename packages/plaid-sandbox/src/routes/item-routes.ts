import { stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { fireableWebhook, firedWebhook, itemErrorWebhook } from '../webhooks/bodies.js';
import { itemView } from './item-view.js';
import { route } from './route.js';
import { sendItemWebhook } from './send-webhook.js';

export const itemGet = route({
  path: '/item/get',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    const pull = item.transactions;
    // Null until the first 30 days are in: that is the first successful update.
    const transactions = pull && { last_successful_update: pull.historicalAt ?? pull.initialAt, last_failed_update: null };
    const investments = item.products.includes('investments') && {
      last_successful_update: item.investmentsUpdatedAt,
      last_failed_update: null,
    };
    return {
      item: itemView(item, true),
      status: { ...(transactions && { transactions }), ...(investments && { investments }), last_webhook: item.lastWebhook },
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
    const { type, product } = fireableWebhook(code, stringField(body, 'webhook_type', true));
    if (product && !item.products.includes(product)) throw apiErrors.sandboxProductNotEnabled();
    if (!item.webhook || !URL.canParse(item.webhook)) throw apiErrors.sandboxWebhookInvalid();
    void sendItemWebhook(ctx, item, firedWebhook(item, code, type, ctx.now()));
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
