/** Plain-language messages for the vault's error codes (shared by server pages and client components). */
const MESSAGES: Record<string, string> = {
  ERR_PLAID_ITEM_LOGIN_REQUIRED: 'Your bank needs you to sign in again.',
  ERR_ITEM_RELINK_REQUIRED: 'This connection was lost. Remove it and connect the bank again.',
  ERR_PLAID_INVALID_ACCESS_TOKEN: 'This connection was lost. Remove it and connect the bank again.',
  ERR_PLAID_ITEM_ERROR: 'Your bank reported a problem with this connection. Try again later.',
  ERR_PLAID_RATE_LIMITED: 'Your bank is busy. Try again in a minute.',
  ERR_PLAID_UNREACHABLE: "We couldn't reach your bank right now. Try again shortly.",
  ERR_PLAID_API_ERROR: "We couldn't reach your bank right now. Try again shortly.",
  ERR_ROTATION_IN_PROGRESS: 'This bank connection is being updated right now. Try again in a moment.',
  ERR_ROTATION_FAILED: 'The rotation did not complete. Your connection is unchanged; try again.',
  ERR_ITEM_NOT_FOUND: 'This bank connection no longer exists.',
  ERR_ITEM_DUPLICATE: 'This bank is already connected.',
  ERR_AUTH_REQUIRED: 'Your session has ended. Sign in again.',
  ERR_PRODUCT_NOT_ENABLED: 'This feature is not enabled for this app.',
};

export const LOGIN_REQUIRED_CODES = new Set(['ERR_PLAID_ITEM_LOGIN_REQUIRED']);

export function messageFor(code: string | undefined): string {
  return (code && MESSAGES[code]) || 'Something went wrong. Please try again.';
}

/** The sign-in and sign-up forms' messages, by the `?error=` their routes redirect with. */
const AUTH_FORM_MESSAGES: Record<string, string> = {
  invalid: 'That email and password do not match an account.',
  invalid_email: 'Enter a valid email address.',
  weak_password: 'Use a password of at least 8 characters.',
  email_taken: 'An account with this email already exists. Sign in instead.',
  busy: 'The server is busy. Try again in a moment.',
};

/** Codes that carry a `retry` (whole minutes) in the URL: the start of their message, before "Try again...". */
const RETRY_MESSAGES: Record<string, string> = {
  throttled: 'Too many failed attempts.',
  signup_limited: 'Too many accounts are being created right now.',
};

/**
 * The message for an auth form's `?error=` code; an unknown code reads as a
 * failed sign-in. `throttled` and `signup_limited` say how long to wait when
 * `retryMinutes` (from the URL, so checked here) is a sensible whole number.
 *
 * @example
 * authFormMessage('throttled', 15); // 'Too many failed attempts. Try again in about 15 minutes.'
 */
export function authFormMessage(code: string, retryMinutes?: number): string {
  const lead = RETRY_MESSAGES[code];
  if (lead) {
    if (retryMinutes === undefined || !Number.isInteger(retryMinutes) || retryMinutes < 1 || retryMinutes > 7 * 24 * 60) {
      return `${lead} Try again later.`;
    }
    return `${lead} Try again in about ${retryMinutes} ${retryMinutes === 1 ? 'minute' : 'minutes'}.`;
  }
  return AUTH_FORM_MESSAGES[code] ?? AUTH_FORM_MESSAGES.invalid!;
}
