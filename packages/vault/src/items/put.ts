import type { VaultContext } from '../context.js';
import { seal } from '../crypto/envelope.js';
import { isVaultError, StoreConflictError } from '../errors.js';
import type { ItemSummary } from '../types/items.js';
import type { PutItemInput } from '../types/items.js';
import { toSummary } from './summary.js';
import { assertAccessToken, assertOptionalName, assertProducts, assertRef } from './validate.js';

/**
 * Store (or replace) an item's token, sealed to its row. Replacing is a
 * compare-and-swap on token_version; the caches are invalidated after the write.
 */
export async function putItem(ctx: VaultContext, input: PutItemInput): Promise<ItemSummary> {
  return (await storeItem(ctx, input, false))!;
}

/**
 * Store the item only if no row has its id (import: "skipped, never
 * overwritten"). Decided at the write itself, so a put that lands after the
 * caller's own existence check is left alone: undefined, nothing written.
 */
export function putItemIfAbsent(ctx: VaultContext, input: PutItemInput): Promise<ItemSummary | undefined> {
  return storeItem(ctx, input, true);
}

async function storeItem(ctx: VaultContext, input: PutItemInput, ifAbsent: boolean): Promise<ItemSummary | undefined> {
  assertRef(input);
  assertAccessToken(input.accessToken);
  assertOptionalName(input.institutionId, 'institutionId');
  assertOptionalName(input.institutionName, 'institutionName');
  assertProducts(input.products);

  const { userId, itemId } = input;
  const envelope = seal(ctx.keyring, { itemId, userId }, input.accessToken);
  const kid = ctx.keyring.activeKid;
  const now = ctx.clock.now();

  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await ctx.store.getItem(itemId);
    // A lost insert race comes back here too (ERR_STORE_CONFLICT, then this read).
    if (existing && ifAbsent) return undefined;
    if (existing && existing.userId !== userId) {
      // Plaid item ids are global; the same id under another user is a caller bug.
      throw new StoreConflictError('This item id is already stored for another user.');
    }
    try {
      if (!existing) {
        await ctx.store.insertItem(
          {
            itemId,
            userId,
            institutionId: input.institutionId ?? null,
            institutionName: input.institutionName ?? null,
            products: input.products ?? [],
            kid,
            envelope,
          },
          now,
        );
      } else {
        await ctx.store.swapToken(itemId, existing.tokenVersion, { kid, envelope, rotated: false, status: 'active' }, now);
        const patch = {
          ...(input.institutionId !== undefined && { institutionId: input.institutionId }),
          ...(input.institutionName !== undefined && { institutionName: input.institutionName }),
        };
        if (Object.keys(patch).length > 0) await ctx.store.updateItem(itemId, patch, now);
      }
      break;
    } catch (err) {
      // Lost a race with another writer: read again and retry.
      if (!isVaultError(err, 'ERR_STORE_CONFLICT') || attempt === 2) throw err;
    }
  }

  await ctx.cache.invalidate(itemId);
  ctx.audit.record({ actor: ctx.instanceId, userId, itemId, action: 'item.put', purpose: null, outcome: 'ok', requestId: null });
  const row = await ctx.store.getItem(itemId);
  return toSummary(row!);
}
