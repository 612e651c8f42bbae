import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemNotFoundError } from '../errors.js';
import type { NewAuditEvent } from '../types/audit.js';
import type { TokenUse } from '../types/items.js';
import { assertPurpose, assertRef } from './validate.js';

/**
 * Resolve the token through the cache tiers and hand it to `fn`. Every call is
 * audited (`token.decrypt`: who, which item, why, outcome); the audit write is
 * buffered so a cache hit stays free of I/O. A caller that outruns the audit
 * log (a loop of cache hits faster than the store appends) waits for the append
 * under way past the log's high-water mark, rather than have events dropped.
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
  // Read once, before any await: the event names what was resolved, whatever
  // the caller does with `use` meanwhile. Events are built by tokenEvent, with
  // no object spread (this is the hot path; a spread cost ~1 µs a call).
  const actor = use.actor ?? ctx.instanceId;
  const { userId, itemId, purpose } = use;
  const requestId = use.requestId ?? null;
  const audit = ctx.audit;
  let token: Secret | undefined;
  try {
    if (audit.strict) audit.assertWritable();
    token = await ctx.cache.resolve(use);
  } catch (err) {
    audit.record(tokenEvent(actor, userId, itemId, purpose, requestId, isVaultError(err) ? err.code : 'error'));
    throw err;
  }
  if (!token) {
    audit.record(tokenEvent(actor, userId, itemId, purpose, requestId, 'denied'));
    throw new ItemNotFoundError();
  }
  if (audit.strict) {
    await recordDurable(ctx, tokenEvent(actor, userId, itemId, purpose, requestId, 'ok'));
  } else {
    audit.record(tokenEvent(actor, userId, itemId, purpose, requestId, 'ok'));
    const pressure = audit.backpressure();
    if (pressure) await pressure;
  }
  return fn(token);
}

function tokenEvent(
  actor: string,
  userId: string,
  itemId: string,
  purpose: string,
  requestId: string | null,
  outcome: NewAuditEvent['outcome'],
): NewAuditEvent {
  return { actor, userId, itemId, action: 'token.decrypt', purpose, outcome, requestId };
}

/**
 * The `ok` event, committed before the token is used. On a refusal the `ok`
 * event may still be written later: it says the vault released the token, the
 * refusal recorded after it that the caller never got it.
 */
async function recordDurable(ctx: VaultContext, ok: NewAuditEvent): Promise<void> {
  try {
    await ctx.audit.recordDurable(ok);
  } catch (err) {
    ctx.audit.record({ ...ok, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
}
