import { HTTP_STATUS, isVaultError, type ErrorCode, type VaultError } from '../errors.js';
import type { Logger } from '../types/logger.js';
import { toLoggedError } from './log-safe-error.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId?: string;
}

function json(body: ErrorBody, status: number, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, ...extra } });
}

/** Retry-After (whole seconds) for an error that clears by itself, from its `retryAfterMs` detail. */
function retryAfter(err: VaultError): Record<string, string> {
  const ms = err.details?.retryAfterMs;
  if (err.code !== 'ERR_ROTATION_IN_PROGRESS' || typeof ms !== 'number' || !Number.isFinite(ms)) return {};
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

/**
 * The one way an error becomes a response. A VaultError below 500 is the
 * caller's to handle: `{ code, message }` with the status from HTTP_STATUS
 * (messages are fixed strings, safe to show), and `Retry-After` when waiting
 * is the fix (ERR_ROTATION_IN_PROGRESS). Anything else is ours: logged
 * once with the request id, answered with a generic body that says nothing
 * about the cause. A 5xx VaultError keeps its status (503 tells a client to
 * retry later) but not its code or message; the log line carries the code
 * (`ERR_INTERNAL` for an error that is not a VaultError) next to the request
 * id, so an operator can find what a client reports.
 */
export function errorResponse(err: unknown, requestId: string, logger: Logger): Response {
  if (isVaultError(err) && err.status < 500) {
    return json({ code: err.code, message: err.message }, err.status, retryAfter(err));
  }
  const status = isVaultError(err) ? err.status : HTTP_STATUS.ERR_INTERNAL;
  const code: ErrorCode = isVaultError(err) ? err.code : 'ERR_INTERNAL';
  logger.error({ requestId, status, code, err: toLoggedError(err) }, 'request failed');
  return json({ code: 'ERR_INTERNAL', message: 'Internal error.', requestId }, status);
}
