import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { InputInvalidError, isVaultError, ItemDuplicateError } from '../errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ExchangeResult } from '../types/link.js';
import { putItem } from './put.js';
import type { RemoveItem } from './remove.js';
import { assertId } from './validate.js';

const PUBLIC_TOKEN = /^public-(sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Exchange a public token, read the item and its institution, store the
 * access token sealed, and return only `{ itemId, institutionName, duplicates }`.
 * A second item of the same institution for the same user is reported and
 * handled by `plaid.duplicatePolicy` (replace: remove the old ones; keep;
 * reject: remove the new one and throw ERR_ITEM_DUPLICATE).
 *
 * @example
 * const { itemId } = await vault.link.exchange({ userId: 'u1', publicToken });
 */
export async function exchangePublicToken(
  ctx: VaultContext,
  plaid: PlaidGateway,
  removeItem: RemoveItem,
  input: { userId: string; publicToken: string },
): Promise<ExchangeResult> {
  assertId(input.userId, 'userId');
  if (typeof input.publicToken !== 'string' || !PUBLIC_TOKEN.test(input.publicToken)) {
    throw new InputInvalidError('publicToken must be a Plaid public token (public-<env>-<uuid>).', { details: { field: 'publicToken' } });
  }
  const { userId } = input;
  const { accessToken, itemId } = await plaid.exchangePublicToken(input.publicToken);

  let institutionId: string | null;
  let institutionName: string | null;
  let duplicates: { itemId: string; action: 'removed' | 'kept' }[];
  try {
    const item = await plaid.getItem(accessToken);
    institutionId = item.institutionId;
    institutionName = item.institutionName;
    if (institutionId && !institutionName) {
      institutionName = await plaid.getInstitutionName(institutionId, [...ctx.config.plaid.countryCodes]).catch(() => null);
    }
    const others = institutionId
      ? (await ctx.store.listItems({ userId, limit: 1000 })).filter((r) => r.institutionId === institutionId && r.itemId !== itemId)
      : [];
    const policy: string = ctx.config.plaid.duplicatePolicy;
    if (others.length > 0 && policy === 'reject') throw new ItemDuplicateError(undefined, { details: { institutionId } });
    await putItem(ctx, { userId, itemId, accessToken: accessToken.reveal(), institutionId, institutionName, products: item.products });
    duplicates = others.map((r) => ({ itemId: r.itemId, action: policy === 'keep' ? ('kept' as const) : ('removed' as const) }));
  } catch (err) {
    // The new token exists nowhere else: remove the item at Plaid rather than leave a billed orphan.
    await discard(ctx, plaid, accessToken);
    throw err;
  }

  ctx.audit.record({ actor: ctx.instanceId, userId, itemId, action: 'item.link', purpose: null, outcome: 'ok', requestId: null });
  for (const dup of duplicates) {
    ctx.logger.warn({ userId, itemId, duplicateOf: dup.itemId, action: dup.action }, 'same institution linked twice');
    if (dup.action === 'removed') {
      await removeItem({ userId, itemId: dup.itemId }).catch((err: unknown) => {
        ctx.logger.warn({ itemId: dup.itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'could not remove duplicate item');
      });
    }
  }
  return { itemId, institutionName, duplicates };
}

async function discard(ctx: VaultContext, plaid: PlaidGateway, token: Secret): Promise<void> {
  await plaid.removeItem(token).catch((err: unknown) => {
    ctx.logger.error({ code: isVaultError(err) ? err.code : 'unknown' }, 'could not remove an item whose token was not stored');
  });
}
