import { createHmac } from 'node:crypto';
import type { VaultContext } from '../context.js';
import { deriveSubkey } from '../crypto/keyring.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { LinkTokenResult } from '../types/link.js';
import { getOwnedItem } from './owned-item.js';
import { callWithToken } from './call-with-token.js';
import { assertId } from './validate.js';

const CLIENT_USER_ID_LABEL = 'plaid-vault/link-client-user-id/v1';

/**
 * Plaid's `client_user_id` for a user: an HMAC of the user id under a key
 * derived from the keyring, so Plaid (and Link's logs) never see the raw id,
 * yet the same user always maps to the same value.
 */
export function clientUserIdFor(ctx: VaultContext, userId: string): string {
  return createHmac('sha256', deriveSubkey(ctx.keyring, CLIENT_USER_ID_LABEL)).update(userId, 'utf8').digest('hex');
}

/**
 * A Link token. Products, country codes and the webhook URL come from the
 * configuration only: a caller cannot widen them. With `itemId`, an
 * update-mode token for that (owned) item, e.g. after ITEM_LOGIN_REQUIRED.
 *
 * @example
 * const { linkToken } = await vault.link.createLinkToken({ userId: 'u1' });
 */
export async function createLinkToken(
  ctx: VaultContext,
  plaid: PlaidGateway,
  input: { userId: string; itemId?: string },
): Promise<LinkTokenResult> {
  assertId(input.userId, 'userId');
  const { plaid: cfg } = ctx.config;
  const base = {
    clientUserId: clientUserIdFor(ctx, input.userId),
    clientName: cfg.clientName,
    products: [...cfg.products],
    countryCodes: [...cfg.countryCodes],
    webhookUrl: cfg.webhookUrl ?? null,
  };
  if (input.itemId === undefined) return plaid.createLinkToken(base);
  await getOwnedItem(ctx, { userId: input.userId, itemId: input.itemId });
  return callWithToken(ctx, { userId: input.userId, itemId: input.itemId, purpose: 'link.update_mode' }, (accessToken) =>
    plaid.createLinkToken({ ...base, accessToken }),
  );
}
