import type { SandboxContext } from '../routes/route.js';
import { sendItemWebhook } from '../routes/send-webhook.js';
import type { SandboxItemInfo, SandboxState } from '../types.js';
import { itemErrorWebhook } from '../webhooks/bodies.js';
import { refreshDynamic } from './ledger.js';
import type { ItemRecord } from './sandbox-store.js';

/** Builds the test-facing `state` object over the live store. */
export function createSandboxState(ctx: SandboxContext, counters: Map<string, number>, afterChange: () => void): SandboxState {
  const { store } = ctx;
  const info = (item: ItemRecord): SandboxItemInfo => ({
    itemId: item.itemId,
    institutionId: item.institutionId,
    username: item.username,
    products: [...item.products],
    consentedProducts: [...item.consentedProducts],
    transactionsStatus: item.transactions?.status ?? null,
    status: item.removed ? 'removed' : item.loginRequired ? 'login_required' : 'active',
    webhook: item.webhook,
    liveAccessTokens: store.liveTokenCount(item.itemId),
    createdAt: item.createdAt,
  });
  const mustFind = (itemId: string): ItemRecord => {
    const item = store.item(itemId);
    if (!item) throw new Error(`plaid-sandbox: no item ${itemId}`);
    return item;
  };
  const change = <T>(fn: () => T): T => {
    const out = fn();
    store.touch();
    afterChange();
    return out;
  };

  return {
    get counters() {
      return Object.freeze(Object.fromEntries(counters));
    },
    resetCounters: () => counters.clear(),
    items: () => store.items().map(info),
    item: (itemId) => {
      const item = store.item(itemId);
      return item && info(item);
    },
    resetLogin: async (itemId) =>
      change(() => {
        const item = mustFind(itemId);
        item.loginRequired = true;
        return sendItemWebhook(ctx, item, itemErrorWebhook(item));
      }),
    repairLogin: async (itemId) =>
      change(() => {
        const item = mustFind(itemId);
        item.loginRequired = false;
        return sendItemWebhook(ctx, item, {
          webhook_type: 'ITEM',
          webhook_code: 'LOGIN_REPAIRED',
          item_id: item.itemId,
          environment: 'sandbox',
        });
      }),
    refreshTransactions: (itemId) =>
      change(() => {
        const item = mustFind(itemId);
        // Like /transactions/refresh: only once the first pull has something to refresh.
        const ready = item.transactions !== null && item.transactions.status !== 'NOT_READY';
        if (ready && item.username === 'user_transactions_dynamic') refreshDynamic(item.ledger, item.itemId, item.accounts, ctx.now());
      }),
    fireWebhook: async (itemId, body, opts) => {
      const item = mustFind(itemId);
      const url = opts?.url ?? item.webhook;
      if (!url) throw new Error(`plaid-sandbox: item ${itemId} has no webhook URL`);
      return ctx.webhooks.send(url, { item_id: item.itemId, environment: 'sandbox', ...body });
    },
    tick: () => change(() => ctx.pulls.tick()),
    webhookDeliveries: () => ctx.webhooks.deliveries(),
    flushWebhooks: () => ctx.webhooks.drain(),
    rotateWebhookKey: () => change(() => ctx.signer.rotate()),
  };
}
