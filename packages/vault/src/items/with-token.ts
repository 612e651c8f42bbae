import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemNotFoundError } from '../errors.js';
import type { TokenUse } from '../vault-types.js';
import { assertPurpose, assertRef } from './validate.js';

/**
 * Resolve the token through the cache tiers and hand it to `fn`. Every call is
 * audited (`token.decrypt`: who, which item, why, outcome); the audit write is
 * buffered so a cache hit stays free of I/O.
 */
export async function withToken<T>(ctx: VaultContext, use: TokenUse, fn: (token: Secret) => Promise<T> | T): Promise<T> {
  assertRef(use);
  assertPurpose(use.purpose);
  const event = {
    actor: use.actor ?? ctx.instanceId,
    userId: use.userId,
    itemId: use.itemId,
    action: 'token.decrypt',
    purpose: use.purpose,
    requestId: use.requestId ?? null,
  };
  let token: Secret | undefined;
  try {
    token = await ctx.cache.resolve(use);
  } catch (err) {
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
  if (!token) {
    ctx.audit.record({ ...event, outcome: 'denied' });
    throw new ItemNotFoundError();
  }
  ctx.audit.record({ ...event, outcome: 'ok' });
  return fn(token);
}
