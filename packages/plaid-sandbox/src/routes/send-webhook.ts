import type { ItemRecord, SandboxStore } from '../state/sandbox-store.js';
import type { WebhookDelivery, WebhookDeliverer } from '../webhooks/deliverer.js';

/** What sending an Item's webhook needs (a `SandboxContext` has it all). */
export interface WebhookContext {
  store: SandboxStore;
  now: () => Date;
  webhooks: WebhookDeliverer;
}

/**
 * Sends `payload` to the Item's webhook URL (if it has one) and records it as the
 * Item's last webhook, which `/item/get` reports in `status.last_webhook`.
 */
export function sendItemWebhook(ctx: WebhookContext, item: ItemRecord, payload: object): Promise<WebhookDelivery> | undefined {
  if (!item.webhook) return undefined;
  item.lastWebhook = { sent_at: ctx.now().toISOString(), code_sent: String((payload as { webhook_code?: unknown }).webhook_code ?? '') };
  ctx.store.touch();
  return ctx.webhooks.send(item.webhook, payload);
}
