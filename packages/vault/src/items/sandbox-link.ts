import type { VaultContext } from '../context.js';
import { InputInvalidError } from '../errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ExchangeResult } from '../types/link.js';
import { exchangePublicToken } from './exchange.js';
import type { RemoveItem } from './remove.js';
import { assertId } from './validate.js';

/** First Platypus Bank: non-OAuth, accepts every sandbox test user. */
const DEFAULT_INSTITUTION = 'ins_109508';

/**
 * Link without the Link UI (sandbox and emulator only): /sandbox/public_token/create
 * with the configured products, then the normal exchange.
 *
 * @example
 * const { itemId } = await vault.link.sandboxLink({ userId: 'u1' });
 */
export async function sandboxLink(
  ctx: VaultContext,
  plaid: PlaidGateway,
  removeItem: RemoveItem,
  input: { userId: string; institutionId?: string; username?: string },
): Promise<ExchangeResult> {
  if (ctx.config.plaid.env === 'production') {
    throw new InputInvalidError('sandboxLink is only available in the sandbox and the emulator.', { details: { field: 'env' } });
  }
  assertId(input.userId, 'userId');
  if (input.institutionId !== undefined) assertId(input.institutionId, 'institutionId');
  if (input.username !== undefined) assertId(input.username, 'username');
  const publicToken = await plaid.sandboxPublicToken({
    institutionId: input.institutionId ?? DEFAULT_INSTITUTION,
    products: [...ctx.config.plaid.products],
    ...(input.username !== undefined && { username: input.username }),
    webhookUrl: ctx.config.plaid.webhookUrl ?? null,
  });
  return exchangePublicToken(ctx, plaid, removeItem, { userId: input.userId, publicToken });
}
