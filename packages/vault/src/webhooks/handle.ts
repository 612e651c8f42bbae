import type { VaultContext } from '../context.js';
import { deriveSubkey } from '../crypto/keyring.js';
import { isVaultError, WebhookPayloadInvalidError, WebhookReplayError } from '../errors.js';
import type { RemoveItem } from '../items/remove.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { WebhookResult } from '../types/webhooks.js';
import { dispatchWebhook, type PlaidWebhookEvent } from './dispatch.js';
import { createWebhookKeyCache, type WebhookKeyCache } from './key-cache.js';
import { createKidLookupBudget } from './lookup-budget.js';
import { createSavedWebhookKeys } from './saved-keys.js';
import { MAX_WEBHOOK_AGE_SECONDS, MAX_WEBHOOK_SKEW_SECONDS, verificationHeader, verifyWebhook, type HeaderBag } from './verify.js';

/** Called after the vault has acted on a verified webhook (e.g. to start a sync job). */
export type WebhookHook = (event: PlaidWebhookEvent & { action: string }) => void | Promise<void>;

const MAX_BODY_BYTES = 1 << 20;
/** A marker outlives the JWT it names: one signed at `iat` verifies until `iat` + 5 min, and `iat` may be up to 1 min ahead of now. */
const REPLAY_WINDOW_MS = 2 * (MAX_WEBHOOK_AGE_SECONDS + MAX_WEBHOOK_SKEW_SECONDS) * 1000;

function parse(body: Buffer): PlaidWebhookEvent {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookPayloadInvalidError();
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new WebhookPayloadInvalidError();
  const o = json as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : null);
  const webhookType = text(o.webhook_type);
  const webhookCode = text(o.webhook_code);
  if (!webhookType || !webhookCode) throw new WebhookPayloadInvalidError();
  const error = typeof o.error === 'object' && o.error !== null ? (o.error as Record<string, unknown>) : null;
  return { webhookType, webhookCode, itemId: text(o.item_id), errorCode: text(error?.error_code), body: o };
}

/** The item a webhook names, read from the unverified body for the key look-up budget only; null if there is none. */
function itemIdOf(body: Buffer): string | null {
  try {
    return parse(body).itemId;
  } catch {
    return null;
  }
}

/** The key cache a vault's webhook handler uses: keys saved in the store, look-ups budgeted by lane (lookup-budget.ts). */
function createKeys(ctx: VaultContext, plaid: PlaidGateway): WebhookKeyCache {
  const now = () => ctx.clock.now().getTime();
  return createWebhookKeyCache({
    plaid,
    saved: createSavedWebhookKeys(ctx.store, ctx.config.plaid.env, deriveSubkey(ctx.keyring, 'plaid-vault/webhook-key-mac/v1')),
    budget: createKidLookupBudget({ now, isHeldItem: async (id) => (await ctx.store.getItemStatus(id)) !== undefined }),
    now,
    logger: ctx.logger,
  });
}

/**
 * `webhooks.handle(rawBody, headers)`: verify (verify.ts), refuse a replay of
 * the same signed JWT inside the window (a marker in the store, so every
 * instance agrees), dispatch, audit, then call the app hook. A re-signed
 * identical body is a new sending (Plaid's second identical event) and is
 * processed. If acting on it fails, the marker is dropped so a retry is accepted.
 *
 * @example
 * app.post('/plaid/webhook', async (c) => c.json(await vault.webhooks.handle(await c.req.text(), c.req.raw.headers)))
 */
export function createWebhookHandler(
  ctx: VaultContext,
  plaid: PlaidGateway,
  removeItem: RemoveItem,
  onWebhook?: WebhookHook,
): (rawBody: string | Uint8Array, headers: HeaderBag) => Promise<WebhookResult> {
  // Built on the first webhook: a vault that never receives one derives no key.
  let keys: WebhookKeyCache | undefined;
  return async function handle(rawBody, headers) {
    const body =
      typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
    if (body.length > MAX_BODY_BYTES) throw new WebhookPayloadInvalidError();
    const { replayId } = await verifyWebhook(body, verificationHeader(headers), (keys ??= createKeys(ctx, plaid)), ctx.clock, () =>
      itemIdOf(body),
    );
    const event = parse(body);

    const marker = `wh:jwt:${replayId}`;
    const now = ctx.clock.now();
    if (!(await ctx.store.putMarker(marker, '1', new Date(now.getTime() + REPLAY_WINDOW_MS)))) throw new WebhookReplayError();

    let action: string;
    try {
      action = await dispatchWebhook(ctx, removeItem, event);
      await onWebhook?.({ ...event, action });
    } catch (err) {
      await ctx.store.deleteMarker(marker).catch(() => {});
      ctx.logger.error(
        { webhookType: event.webhookType, webhookCode: event.webhookCode, code: isVaultError(err) ? err.code : 'unknown' },
        'webhook handling failed',
      );
      throw err;
    }
    ctx.audit.record({
      actor: 'plaid',
      userId: null,
      itemId: event.itemId,
      action: 'webhook.received',
      purpose: `${event.webhookType}.${event.webhookCode}`.slice(0, 128),
      outcome: action,
      requestId: null,
    });
    return { accepted: true, webhookType: event.webhookType, webhookCode: event.webhookCode, itemId: event.itemId, action };
  };
}
