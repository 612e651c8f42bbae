import { SandboxApiError, type PlaidErrorType } from '../http/plaid-error.js';

const linkError = (type: PlaidErrorType, code: string, message: string, display: string | null) =>
  new SandboxApiError(400, type, code, message, display);

/**
 * The errors the emulated Link shows and reports in `onExit(error)`, worded as
 * Plaid's error reference words them. Institution errors are INSTITUTION_ERROR.
 */
export const linkErrors = {
  itemNotFound: () =>
    linkError(
      'ITEM_ERROR',
      'ITEM_NOT_FOUND',
      'The Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user.',
      null,
    ),
  sessionClosed: () =>
    linkError('INVALID_REQUEST', 'INVALID_FIELD', 'link_session_id is not an open Link session for this link_token', null),
  institutionNotAvailable: () =>
    linkError('INVALID_REQUEST', 'INVALID_FIELD', 'institution_id is not an institution this Link session can connect', null),
  invalidUpdatedUsername: () =>
    linkError(
      'ITEM_ERROR',
      'INVALID_UPDATED_USERNAME',
      'the username provided to /item/credentials/update does not match the original username for the item',
      null,
    ),
} as const;

/** `error_<CODE>` passwords (with `user_good`) that fail the sign-in with Plaid's error of that code. */
export const SIMULATED_ERRORS: Readonly<Record<string, () => SandboxApiError>> = {
  INVALID_CREDENTIALS: () =>
    linkError(
      'ITEM_ERROR',
      'INVALID_CREDENTIALS',
      'the provided credentials were not correct',
      'The provided credentials were not correct. Please try again.',
    ),
  ITEM_LOCKED: () =>
    linkError(
      'ITEM_ERROR',
      'ITEM_LOCKED',
      "the account is locked. prompt the user to visit the institution's site and unlock their account",
      "The given account has been locked by the financial institution. Please visit your financial institution's website to unlock your account.",
    ),
  ITEM_NOT_SUPPORTED: () =>
    linkError(
      'ITEM_ERROR',
      'ITEM_NOT_SUPPORTED',
      'this account is currently not supported',
      'The given account is not currently supported for this financial institution. We apologize for the inconvenience.',
    ),
  MFA_NOT_SUPPORTED: () =>
    linkError(
      'ITEM_ERROR',
      'MFA_NOT_SUPPORTED',
      'this account requires a MFA type that we do not currently support for the institution',
      'The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.',
    ),
  NO_ACCOUNTS: () =>
    linkError(
      'ITEM_ERROR',
      'NO_ACCOUNTS',
      'no valid accounts were found for this item',
      "No valid accounts were found at the financial institution. Please visit your financial institution's website to confirm accounts are available.",
    ),
  PASSWORD_RESET_REQUIRED: () =>
    linkError(
      'ITEM_ERROR',
      'PASSWORD_RESET_REQUIRED',
      'user must reset their password',
      'The user needs to reset their password for their account',
    ),
  INSTITUTION_DOWN: () =>
    linkError(
      'INSTITUTION_ERROR',
      'INSTITUTION_DOWN',
      'this institution is not currently responding to this request. please try again soon',
      'This financial institution is not currently responding to requests. We apologize for the inconvenience.',
    ),
  INSTITUTION_NOT_RESPONDING: () =>
    linkError(
      'INSTITUTION_ERROR',
      'INSTITUTION_NOT_RESPONDING',
      'this institution is not currently responding to this request. please try again soon',
      'This financial institution is not currently responding to requests. We apologize for the inconvenience.',
    ),
};
