import { SIMULATED_ERRORS } from './link-errors.js';

/** One line of the sandbox sign-ins the emulated Link shows under its form (and the README lists). */
export interface SandboxCredential {
  username: string;
  password: string;
  result: string;
}

/** Plaid's documented sandbox users that this emulator can honour in Link. */
export const SANDBOX_CREDENTIALS: readonly SandboxCredential[] = [
  { username: 'user_good', password: 'pass_good', result: 'nine accounts and 48 transactions' },
  {
    username: 'user_transactions_dynamic',
    password: '<any non-blank>',
    result: '50 transactions that /transactions/refresh changes',
  },
  {
    username: 'user_good',
    password: 'error_<CODE>',
    result: `fails with that error: ${Object.keys(SIMULATED_ERRORS).join(', ')}`,
  },
];

/**
 * Signs in at the sandbox "bank" the way Plaid's sandbox does: returns the data
 * set (username) the Item gets, or throws the Plaid error the sign-in ends in.
 * Nothing is trimmed (stray spaces fail at a real bank too); anything not listed
 * in {@link SANDBOX_CREDENTIALS}, including an unknown `error_` code, is
 * INVALID_CREDENTIALS.
 *
 * @example
 * checkSandboxCredentials('user_good', 'pass_good'); // 'user_good'
 * checkSandboxCredentials('user_good', 'error_ITEM_LOCKED'); // throws ITEM_LOCKED
 */
export function checkSandboxCredentials(username: string, password: string): string {
  if (username === 'user_transactions_dynamic' && password !== '') return username;
  if (username === 'user_good') {
    if (password === 'pass_good') return username;
    const code = /^error_([A-Z_]+)$/.exec(password)?.[1];
    if (code && Object.hasOwn(SIMULATED_ERRORS, code)) throw SIMULATED_ERRORS[code]!();
  }
  throw SIMULATED_ERRORS.INVALID_CREDENTIALS!();
}
