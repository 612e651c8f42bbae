import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemNotFoundError } from '../errors.js';
import type { NewAuditEvent } from '../types.js';
import type { TokenUse } from '../vault-types.js';
import { assertPurpose, assertRef } from './validate.js';

type TokenEvent = Omit<NewAuditEvent, 'outcome'>;

/**
 * Resolve the token through the cache tiers and hand it to `fn`. Every call is
 * audited (`token.decrypt`: who, which item, why, outcome); the audit write is
 * buffered so a cache hit stays free of I/O. In strict mode (VAULT_AUDIT_MODE)
 * `fn` runs only once the event is committed (withTokenStrict).
 */
export async function withToken<T>(ctx: VaultContext, use: TokenUse, fn: (token: Secret) => Promise<T> | T): Promise<T> {
  assertRef(use);
  assertPurpose(use.purpose);
  const event: TokenEvent = {
    actor: use.actor ?? ctx.instanceId,
    userId: use.userId,
    itemId: use.itemId,
    action: 'token.decrypt',
    purpose: use.purpose,
    requestId: use.requestId ?? null,
  };
  if (ctx.audit.strict) return withTokenStrict(ctx, use, event, fn);
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

/**
 * Strict mode: refuse (ERR_AUDIT_UNAVAILABLE) before any read while the audit
 * log is failing; otherwise resolve the token, and hand it to `fn` only after
 * its `ok` event is committed within the strict timeout. A refusal is recorded
 * too (buffered: it is written once the store takes writes again). Failures
 * and denials are recorded as in buffered mode: no token leaves.
 */
async function withTokenStrict<T>(ctx: VaultContext, use: TokenUse, event: TokenEvent, fn: (token: Secret) => Promise<T> | T): Promise<T> {
  let token: Secret | undefined;
  try {
    ctx.audit.assertWritable();
    token = await ctx.cache.resolve(use);
  } catch (err) {
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
  if (!token) {
    ctx.audit.record({ ...event, outcome: 'denied' });
    throw new ItemNotFoundError();
  }
  try {
    await ctx.audit.recordDurable({ ...event, outcome: 'ok' });
  } catch (err) {
    // The `ok` event may still be written later: it says the vault released the token, this one that the caller never got it.
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
  return fn(token);
}
