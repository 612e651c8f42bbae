import { ConfigInvalidError } from 'plaid-vault/config';
import { wholeNumberFrom } from './whole-number-env';

/** How hard sign-in is throttled; read once from the environment by the composition root. */
export interface SignInThrottleSettings {
  /** Failed sign-ins for one email, within the window, that lock it. */
  readonly maxFailures: number;
  /** Failures for one client address, within the window, that lock it (only with `clientIpHeader`). */
  readonly maxFailuresPerClient: number;
  /** The counting window, from the first failure, in minutes. */
  readonly windowMinutes: number;
  /** How long a lock lasts, in minutes. */
  readonly lockMinutes: number;
  /**
   * The request header a trusted proxy sets to the client's address (lowercase), or null:
   * a Next.js route handler sees no peer address, so without it there is no per-client limit.
   */
  readonly clientIpHeader: string | null;
}

export const DEFAULT_SIGNIN_THROTTLE: SignInThrottleSettings = Object.freeze({
  maxFailures: 5,
  maxFailuresPerClient: 20,
  windowMinutes: 15,
  lockMinutes: 15,
  clientIpHeader: null,
});

const WEEK_MINUTES = 7 * 24 * 60;
const HEADER_NAME = /^[a-z0-9-]{1,64}$/;

/**
 * The sign-in throttle settings from environment variables, validated and
 * frozen; unset variables take the defaults (5 failures in 15 minutes lock an
 * email for 15 minutes; no per-client limit). Throws on an invalid value.
 *
 * @example
 * signInThrottleSettingsFrom({ WEB_SIGNIN_MAX_FAILURES: '3', WEB_CLIENT_IP_HEADER: 'X-Real-IP' });
 * // { maxFailures: 3, ..., clientIpHeader: 'x-real-ip' }
 */
export function signInThrottleSettingsFrom(env: Record<string, string | undefined>): SignInThrottleSettings {
  const header = env.WEB_CLIENT_IP_HEADER?.trim().toLowerCase() || null;
  if (header !== null && !HEADER_NAME.test(header))
    throw new ConfigInvalidError('WEB_CLIENT_IP_HEADER must be a header name (letters, digits, dashes).', {
      details: { variable: 'WEB_CLIENT_IP_HEADER' },
    });
  const d = DEFAULT_SIGNIN_THROTTLE;
  return Object.freeze({
    maxFailures: wholeNumberFrom(env, 'WEB_SIGNIN_MAX_FAILURES', d.maxFailures, 1000),
    maxFailuresPerClient: wholeNumberFrom(env, 'WEB_SIGNIN_MAX_FAILURES_PER_CLIENT', d.maxFailuresPerClient, 100_000),
    windowMinutes: wholeNumberFrom(env, 'WEB_SIGNIN_WINDOW_MINUTES', d.windowMinutes, WEEK_MINUTES),
    lockMinutes: wholeNumberFrom(env, 'WEB_SIGNIN_LOCK_MINUTES', d.lockMinutes, WEEK_MINUTES),
    clientIpHeader: header,
  });
}
