/**
 * Every error the vault throws is a `VaultError` with a stable `code`.
 * Codes are public API: each is listed in docs/errors.md (a test keeps the two
 * in step) and maps to one HTTP status in `HTTP_STATUS`.
 *
 * Messages are fixed strings written here: they never carry a token, a key, a
 * ciphertext, a secret or library text that might (OpenSSL, axios).
 */

const BRAND: unique symbol = Symbol.for('plaid-vault.error');

export const HTTP_STATUS = {
  ERR_CONFIG_INVALID: 500,
  ERR_INPUT_INVALID: 400,
  ERR_ITEM_NOT_FOUND: 404,
  ERR_ITEM_RELINK_REQUIRED: 409,
  ERR_ITEM_DUPLICATE: 409,
  ERR_STORE_CONFLICT: 409,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_CACHE_UNAVAILABLE: 503,
  ERR_CRYPTO_DECRYPT_FAILED: 500,
  ERR_CRYPTO_KEY_UNKNOWN: 500,
  ERR_KEY_IN_USE: 409,
  ERR_PRODUCT_NOT_ENABLED: 403,
  ERR_ROTATION_IN_PROGRESS: 409,
  ERR_ROTATION_FAILED: 502,
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_AUDIT_CHAIN_BLOCKED: 500,
  ERR_PLAID_INVALID_REQUEST: 502,
  ERR_PLAID_INVALID_INPUT: 400,
  ERR_PLAID_INVALID_ACCESS_TOKEN: 409,
  ERR_PLAID_ITEM_LOGIN_REQUIRED: 409,
  ERR_PLAID_ITEM_ERROR: 409,
  ERR_PLAID_RATE_LIMITED: 429,
  ERR_PLAID_API_ERROR: 502,
  ERR_PLAID_UNREACHABLE: 503,
  ERR_WEBHOOK_SIGNATURE_MISSING: 400,
  ERR_WEBHOOK_SIGNATURE_INVALID: 401,
  ERR_WEBHOOK_ALG_UNSUPPORTED: 401,
  ERR_WEBHOOK_KEY_UNKNOWN: 401,
  ERR_WEBHOOK_EXPIRED: 401,
  ERR_WEBHOOK_BODY_MISMATCH: 401,
  ERR_WEBHOOK_REPLAY: 409,
  ERR_WEBHOOK_PAYLOAD_INVALID: 400,
  ERR_AUTH_REQUIRED: 401,
  ERR_ORIGIN_FORBIDDEN: 403,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_ROUTE_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_METRICS_DISABLED: 404,
  ERR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof HTTP_STATUS;

export interface VaultErrorOptions {
  cause?: unknown;
  /** Safe, structured context (ids, field names). Never a token or secret. */
  details?: Record<string, unknown>;
}

export class VaultError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: C, message: string, options: VaultErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VaultError';
    this.code = code;
    this.status = HTTP_STATUS[code];
    this.details = options.details;
  }

  /** The `{ code, message }` body an HTTP response may carry. */
  toJSON(): { code: C; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True for any VaultError, even one from another copy of this package (Next.js can bundle twice). */
export function isVaultError(value: unknown, code?: ErrorCode): value is VaultError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as VaultError).code === code;
}

type Sub<C extends ErrorCode> = new (message?: string, options?: VaultErrorOptions) => VaultError<C>;

function define<C extends ErrorCode>(code: C, name: string, defaultMessage: string): Sub<C> {
  const cls = class extends VaultError<C> {
    constructor(message: string = defaultMessage, options?: VaultErrorOptions) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const ConfigInvalidError = define('ERR_CONFIG_INVALID', 'ConfigInvalidError', 'The vault configuration is invalid.');
export const InputInvalidError = define('ERR_INPUT_INVALID', 'InputInvalidError', 'The input is invalid.');
export const ItemNotFoundError = define('ERR_ITEM_NOT_FOUND', 'ItemNotFoundError', 'Item not found.');
export const ItemRelinkRequiredError = define('ERR_ITEM_RELINK_REQUIRED', 'ItemRelinkRequiredError', 'This item must be linked again.');
export const ItemDuplicateError = define('ERR_ITEM_DUPLICATE', 'ItemDuplicateError', 'This institution is already linked for this user.');
export const StoreConflictError = define('ERR_STORE_CONFLICT', 'StoreConflictError', 'The item was changed concurrently; retry.');
export const StoreUnavailableError = define('ERR_STORE_UNAVAILABLE', 'StoreUnavailableError', 'The database is unavailable.');
export const CacheUnavailableError = define(
  'ERR_CACHE_UNAVAILABLE',
  'CacheUnavailableError',
  'Redis could not be reached or failed during a cache sweep.',
);
export const DecryptFailedError = define('ERR_CRYPTO_DECRYPT_FAILED', 'DecryptFailedError', 'Decryption failed.');
export const KeyUnknownError = define('ERR_CRYPTO_KEY_UNKNOWN', 'KeyUnknownError', 'The key that sealed this item is not in the keyring.');
export const KeyInUseError = define('ERR_KEY_IN_USE', 'KeyInUseError', 'The key still protects stored items; run rekey first.');
export const ProductNotEnabledError = define(
  'ERR_PRODUCT_NOT_ENABLED',
  'ProductNotEnabledError',
  'This Plaid product is not enabled for this vault.',
);
export const RotationInProgressError = define(
  'ERR_ROTATION_IN_PROGRESS',
  'RotationInProgressError',
  'A rotation of this item is in progress.',
);
export const RotationFailedError = define('ERR_ROTATION_FAILED', 'RotationFailedError', 'The token rotation failed.');
export const AuditUnavailableError = define(
  'ERR_AUDIT_UNAVAILABLE',
  'AuditUnavailableError',
  'The audit log cannot record this use; the token was not used (VAULT_AUDIT_MODE=strict).',
);
export const AuditChainBlockedError = define(
  'ERR_AUDIT_CHAIN_BLOCKED',
  'AuditChainBlockedError',
  'The audit chain has rows beyond its head that the vault did not write; appends are refused until they are quarantined.',
);
export const WebhookSignatureMissingError = define(
  'ERR_WEBHOOK_SIGNATURE_MISSING',
  'WebhookSignatureMissingError',
  'The Plaid-Verification header is missing.',
);
export const WebhookSignatureInvalidError = define(
  'ERR_WEBHOOK_SIGNATURE_INVALID',
  'WebhookSignatureInvalidError',
  'The webhook signature is invalid.',
);
export const WebhookAlgUnsupportedError = define(
  'ERR_WEBHOOK_ALG_UNSUPPORTED',
  'WebhookAlgUnsupportedError',
  'The webhook signature algorithm is not ES256.',
);
export const WebhookKeyUnknownError = define(
  'ERR_WEBHOOK_KEY_UNKNOWN',
  'WebhookKeyUnknownError',
  'The webhook verification key is unknown or expired.',
);
/** Outside the signing-time window either way; the message (and `details.reason`: too_old, future, missing) says which. */
export const WebhookExpiredError = define(
  'ERR_WEBHOOK_EXPIRED',
  'WebhookExpiredError',
  'The webhook was signed outside the accepted time window.',
);
export const WebhookBodyMismatchError = define(
  'ERR_WEBHOOK_BODY_MISMATCH',
  'WebhookBodyMismatchError',
  'The webhook body does not match its signature.',
);
export const WebhookReplayError = define('ERR_WEBHOOK_REPLAY', 'WebhookReplayError', 'This signed webhook was already received.');
export const WebhookPayloadInvalidError = define(
  'ERR_WEBHOOK_PAYLOAD_INVALID',
  'WebhookPayloadInvalidError',
  'The webhook body is not a valid Plaid webhook.',
);
export const AuthRequiredError = define('ERR_AUTH_REQUIRED', 'AuthRequiredError', 'Authentication required.');
export const OriginForbiddenError = define('ERR_ORIGIN_FORBIDDEN', 'OriginForbiddenError', 'Cross-site requests are not allowed.');
export const PayloadTooLargeError = define('ERR_PAYLOAD_TOO_LARGE', 'PayloadTooLargeError', 'The request body is too large.');
export const UnsupportedMediaTypeError = define(
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'UnsupportedMediaTypeError',
  'Only application/json is accepted.',
);
export const RouteNotFoundError = define('ERR_ROUTE_NOT_FOUND', 'RouteNotFoundError', 'Not found.');
export const MethodNotAllowedError = define('ERR_METHOD_NOT_ALLOWED', 'MethodNotAllowedError', 'This method is not allowed.');
export const MetricsDisabledError = define('ERR_METRICS_DISABLED', 'MetricsDisabledError', 'Metrics are disabled.');
export const InternalError = define('ERR_INTERNAL', 'InternalError', 'Internal error.');

/** Plaid's own error fields, copied from the error body (never the axios config). */
export interface PlaidErrorFields {
  errorType: string | null;
  errorCode: string | null;
  requestId: string | null;
  displayMessage: string | null;
  httpStatus: number | null;
}

export type PlaidErrorCode = Extract<ErrorCode, `ERR_PLAID_${string}`>;

/** A Plaid API failure, mapped in src/plaid/errors.ts. */
export class PlaidError extends VaultError<PlaidErrorCode> {
  readonly plaid: PlaidErrorFields;
  constructor(code: PlaidErrorCode, message: string, plaid: PlaidErrorFields, options?: VaultErrorOptions) {
    super(code, message, options);
    this.name = 'PlaidError';
    this.plaid = plaid;
  }
  override toJSON(): { code: PlaidErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
