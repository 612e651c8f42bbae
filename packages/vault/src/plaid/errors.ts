import { PlaidError, type PlaidErrorCode, type PlaidErrorFields } from '../errors.js';

/**
 * The one place a failed Plaid call becomes a vault error.
 *
 * The SDK rejects with an AxiosError whose `config.headers` hold the client
 * secret and whose `config.data` holds the access token. We therefore build a
 * fresh PlaidError from a handful of copied fields and never keep the original
 * as `cause`: nothing reachable from the result can print a secret.
 */

/** How a request without an HTTP answer ended; 'unknown' outcomes may have reached Plaid. */
export type NetworkFailure = 'refused' | 'timeout' | 'reset' | 'other';

interface AxiosLike {
  isAxiosError?: boolean;
  code?: string;
  response?: { status?: number; data?: unknown };
}

const MESSAGES: Record<PlaidErrorCode, string> = {
  ERR_PLAID_INVALID_REQUEST: 'Plaid rejected the request as malformed.',
  ERR_PLAID_INVALID_INPUT: 'Plaid rejected an input value.',
  ERR_PLAID_INVALID_ACCESS_TOKEN: "Plaid does not accept this item's access token.",
  ERR_PLAID_ITEM_LOGIN_REQUIRED: 'The bank needs the user to sign in again (update mode).',
  ERR_PLAID_ITEM_ERROR: 'Plaid reported an item error.',
  ERR_PLAID_RATE_LIMITED: 'Plaid rate limit exceeded.',
  ERR_PLAID_API_ERROR: 'Plaid failed to process the request.',
  ERR_PLAID_UNREACHABLE: 'Plaid could not be reached.',
};

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : null;
}

function classify(status: number | null, errorType: string | null, errorCode: string | null): PlaidErrorCode {
  if (errorCode === 'INVALID_ACCESS_TOKEN') return 'ERR_PLAID_INVALID_ACCESS_TOKEN';
  if (errorCode === 'ITEM_LOGIN_REQUIRED') return 'ERR_PLAID_ITEM_LOGIN_REQUIRED';
  if (errorType === 'RATE_LIMIT_EXCEEDED' || status === 429) return 'ERR_PLAID_RATE_LIMITED';
  if (errorType === 'API_ERROR' || errorType === 'INSTITUTION_ERROR' || (status !== null && status >= 500)) return 'ERR_PLAID_API_ERROR';
  if (errorType === 'ITEM_ERROR' || errorCode === 'USER_PERMISSION_REVOKED') return 'ERR_PLAID_ITEM_ERROR';
  if (errorType === 'INVALID_INPUT') return 'ERR_PLAID_INVALID_INPUT';
  return 'ERR_PLAID_INVALID_REQUEST';
}

function networkFailure(code: string | undefined): NetworkFailure {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'refused';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_SOCKET_CONNECTION_TIMEOUT':
      return 'reset';
    default:
      return 'other';
  }
}

/**
 * Map anything a `plaid` SDK call threw to a PlaidError carrying only Plaid's
 * `error_type`, `error_code`, `request_id`, `display_message` and the HTTP status.
 * `details.operation` names the call; `details.network` says how a request with
 * no answer failed ('refused' never reached Plaid; the others may have).
 *
 * @example
 * try { await api.itemGet({ access_token }) } catch (err) { throw mapPlaidError(err, 'item.get') }
 */
export function mapPlaidError(err: unknown, operation: string): PlaidError {
  if (err instanceof PlaidError) return err;
  const ax = (typeof err === 'object' && err !== null ? err : {}) as AxiosLike;
  const response = ax.response;
  if (!response) {
    const network = networkFailure(ax.code);
    const fields: PlaidErrorFields = { errorType: null, errorCode: null, requestId: null, displayMessage: null, httpStatus: null };
    return new PlaidError('ERR_PLAID_UNREACHABLE', MESSAGES.ERR_PLAID_UNREACHABLE, fields, { details: { operation, network } });
  }
  const status = typeof response.status === 'number' ? response.status : null;
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Record<string, unknown>;
  const fields: PlaidErrorFields = {
    errorType: str(body.error_type),
    errorCode: str(body.error_code),
    requestId: str(body.request_id),
    displayMessage: str(body.display_message),
    httpStatus: status,
  };
  const code = classify(status, fields.errorType, fields.errorCode);
  return new PlaidError(code, MESSAGES[code], fields, { details: { operation } });
}

/** True when Plaid answered that the token (or its item) no longer exists. */
export function isTokenGone(err: unknown): boolean {
  if (!(err instanceof PlaidError)) return false;
  return err.code === 'ERR_PLAID_INVALID_ACCESS_TOKEN' || err.plaid.errorCode === 'ITEM_NOT_FOUND';
}

/** True when a request got no HTTP answer and may still have been processed by Plaid. */
export function isOutcomeUnknown(err: unknown): boolean {
  return err instanceof PlaidError && err.code === 'ERR_PLAID_UNREACHABLE' && err.details?.network !== 'refused';
}
