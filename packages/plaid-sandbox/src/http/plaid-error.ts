/** Plaid's `error_type` values that the sandbox emits. */
export type PlaidErrorType =
  | 'INVALID_REQUEST'
  | 'INVALID_INPUT'
  | 'ITEM_ERROR'
  | 'INSTITUTION_ERROR'
  | 'RATE_LIMIT_EXCEEDED'
  | 'API_ERROR'
  | 'SANDBOX_ERROR'
  | 'TRANSACTIONS_ERROR';

/** The flat error object Plaid puts in the body of every non-2xx response. */
export interface PlaidErrorBody {
  error_type: PlaidErrorType;
  error_code: string;
  error_code_reason: string | null;
  error_message: string;
  display_message: string | null;
  documentation_url: string;
  suggested_action: string | null;
  request_id?: string;
}

const DOC_PAGES: Record<PlaidErrorType, string> = {
  INVALID_REQUEST: 'invalid-request',
  INVALID_INPUT: 'invalid-input',
  ITEM_ERROR: 'item',
  INSTITUTION_ERROR: 'institution',
  RATE_LIMIT_EXCEEDED: 'rate-limit-exceeded',
  API_ERROR: 'api',
  SANDBOX_ERROR: 'sandbox',
  TRANSACTIONS_ERROR: 'transactions',
};

/**
 * An error a route throws to answer the way Plaid does. The server turns it into
 * a flat PlaidError body with the given HTTP status and a `request_id`.
 */
export class SandboxApiError extends Error {
  readonly status: number;
  readonly type: PlaidErrorType;
  readonly code: string;
  readonly displayMessage: string | null;

  constructor(status: number, type: PlaidErrorType, code: string, message: string, displayMessage: string | null = null) {
    super(message);
    this.name = 'SandboxApiError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.displayMessage = displayMessage;
  }

  /** The body Plaid would send (without `request_id`, which the server adds). */
  toBody(): PlaidErrorBody {
    return {
      error_type: this.type,
      error_code: this.code,
      error_code_reason: null,
      error_message: this.message,
      display_message: this.displayMessage,
      documentation_url: `https://plaid.com/docs/errors/${DOC_PAGES[this.type]}/#${this.code.toLowerCase()}`,
      suggested_action: null,
    };
  }
}

const badRequest = (type: PlaidErrorType, code: string, message: string, display: string | null = null) =>
  new SandboxApiError(400, type, code, message, display);

/** Rate-limit codes Plaid uses per endpoint; anything else gets `RATE_LIMIT`. */
const RATE_LIMIT_CODES: Record<string, string> = {
  '/accounts/get': 'ACCOUNTS_LIMIT',
  '/accounts/balance/get': 'ACCOUNTS_BALANCE_GET_LIMIT',
  '/auth/get': 'AUTH_LIMIT',
  '/identity/get': 'IDENTITY_LIMIT',
  '/item/get': 'ITEM_GET_LIMIT',
  '/transactions/get': 'TRANSACTIONS_LIMIT',
  '/transactions/sync': 'TRANSACTIONS_SYNC_LIMIT',
  '/institutions/get_by_id': 'INSTITUTIONS_GET_BY_ID_LIMIT',
  '/institutions/get': 'INSTITUTIONS_GET_LIMIT',
  '/institutions/search': 'INSTITUTIONS_SEARCH_LIMIT',
  '/investments/holdings/get': 'INVESTMENT_HOLDINGS_GET_LIMIT',
  '/investments/transactions/get': 'INVESTMENT_TRANSACTIONS_LIMIT',
};

/** Constructors for every error the sandbox answers with, worded as Plaid's docs. */
export const apiErrors = {
  notFound: () => new SandboxApiError(404, 'INVALID_REQUEST', 'NOT_FOUND', 'not found'),
  invalidBody: () => badRequest('INVALID_REQUEST', 'INVALID_BODY', 'body could not be parsed as JSON'),
  missingFields: (fields: readonly string[]) =>
    badRequest('INVALID_REQUEST', 'MISSING_FIELDS', `the following required fields are missing: ${fields.join(', ')}`),
  unknownFields: (fields: readonly string[]) =>
    badRequest('INVALID_REQUEST', 'UNKNOWN_FIELDS', `the following fields are not recognized by this endpoint: ${fields.join(', ')}`),
  invalidField: (field: string, why: string) => badRequest('INVALID_REQUEST', 'INVALID_FIELD', `${field} ${why}`),
  invalidApiKeys: () => badRequest('INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided'),
  invalidAccessToken: () => badRequest('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token'),
  invalidPublicToken: () => badRequest('INVALID_INPUT', 'INVALID_PUBLIC_TOKEN', 'could not find matching public token'),
  invalidLinkToken: () => badRequest('INVALID_INPUT', 'INVALID_LINK_TOKEN', 'invalid link_token provided'),
  invalidInstitution: () => badRequest('INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided'),
  invalidAccountId: () => badRequest('INVALID_INPUT', 'INVALID_ACCOUNT_ID', 'one or more of the account IDs is invalid'),
  invalidProduct: (products: readonly string[]) =>
    badRequest('INVALID_INPUT', 'INVALID_PRODUCT', `client is not authorized to access the following products: [${products.join(', ')}]`),
  invalidWebhookKeyId: () => badRequest('INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided'),
  additionalConsentRequired: (product: string) =>
    badRequest(
      'INVALID_INPUT',
      'ADDITIONAL_CONSENT_REQUIRED',
      `client does not have user consent to access the PRODUCT_${product.toUpperCase()} product`,
    ),
  productNotReady: () =>
    badRequest(
      'ITEM_ERROR',
      'PRODUCT_NOT_READY',
      'the requested product is not yet ready. please provide a webhook or try the request again later',
    ),
  productsNotSupported: () =>
    badRequest('ITEM_ERROR', 'PRODUCTS_NOT_SUPPORTED', 'the institution or item does not support the requested product'),
  itemLoginRequired: () =>
    badRequest(
      'ITEM_ERROR',
      'ITEM_LOGIN_REQUIRED',
      "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
      'the login details of this item have changed',
    ),
  sandboxWebhookInvalid: () =>
    badRequest('SANDBOX_ERROR', 'SANDBOX_WEBHOOK_INVALID', 'the webhook for this item is either not set or is invalid'),
  sandboxProductNotEnabled: () =>
    badRequest('SANDBOX_ERROR', 'SANDBOX_PRODUCT_NOT_ENABLED', 'the requested product is not enabled for this item'),
  rateLimited: (path: string) =>
    new SandboxApiError(
      429,
      'RATE_LIMIT_EXCEEDED',
      RATE_LIMIT_CODES[path] ?? 'RATE_LIMIT',
      'rate limit exceeded for attempts to access this item. please try again later',
    ),
  internal: () => new SandboxApiError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'),
};
