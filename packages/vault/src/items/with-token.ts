import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemNotFoundError } from '../errors.js';
import type { NewAuditEvent } from '../types/audit.js';
import type { TokenUse } from '../types/items.js';
import { assertPurpose, assertRef } from './validate.js';

/**
 * Resolve the token through the cache tiers and hand it to `fn`. Every call is
 * audited (`token.decrypt`: who, which item, why, outcome); the audit write is
 * buffered so a cache hit stays free of I/O.
 *
 * In strict mode (VAULT_AUDIT_MODE=strict) the call is refused with
 * ERR_AUDIT_UNAVAILABLE before any read while the audit log is failing, and
 * `fn` runs only once the `ok` event is committed (within the strict timeout).
 * Every refusal is recorded too, buffered: it is written once the store takes
 * writes again. Buffered mode pays two property reads for this.
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
    if (ctx.audit.strict) ctx.audit.assertWritable();
    token = await ctx.cache.resolve(use);
  } catch (err) {
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
  if (!token) {
    ctx.audit.record({ ...event, outcome: 'denied' });
    throw new ItemNotFoundError();
  }
  if (ctx.audit.strict) await recordDurable(ctx, event);
  else ctx.audit.record({ ...event, outcome: 'ok' });
  return fn(token);
}

/**
 * The `ok` event, committed before the token is used. On a refusal the `ok`
 * event may still be written later: it says the vault released the token, the
 * refusal recorded after it that the caller never got it.
 */
async function recordDurable(ctx: VaultContext, event: Omit<NewAuditEvent, 'outcome'>): Promise<void> {
  try {
    await ctx.audit.recordDurable({ ...event, outcome: 'ok' });
  } catch (err) {
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
}
