import { wholeNumberFrom } from './whole-number-env';

/** How many accounts may be created; read once from the environment by the composition root. */
export interface SignUpLimitSettings {
  /** Sign-ups from all clients together within one window. */
  readonly maxPerWindow: number;
  /** Sign-ups from one client address within one window (only with WEB_CLIENT_IP_HEADER). */
  readonly maxPerClient: number;
  /** The counting window, from its first sign-up, in minutes. */
  readonly windowMinutes: number;
}

export const DEFAULT_SIGNUP_LIMIT: SignUpLimitSettings = Object.freeze({ maxPerWindow: 30, maxPerClient: 5, windowMinutes: 10 });

const WEEK_MINUTES = 7 * 24 * 60;

/**
 * The sign-up limit from `WEB_SIGNUP_MAX`, `WEB_SIGNUP_MAX_PER_CLIENT` and
 * `WEB_SIGNUP_WINDOW_MINUTES`, validated and frozen; unset variables take the
 * defaults (30 sign-ups in all, and 5 per client address, per 10 minutes).
 * Throws on an invalid value, so a typo stops the app rather than lifting the limit.
 *
 * @example
 * signUpLimitSettingsFrom({ WEB_SIGNUP_MAX: '100' }); // { maxPerWindow: 100, maxPerClient: 5, windowMinutes: 10 }
 */
export function signUpLimitSettingsFrom(env: Record<string, string | undefined>): SignUpLimitSettings {
  const d = DEFAULT_SIGNUP_LIMIT;
  return Object.freeze({
    maxPerWindow: wholeNumberFrom(env, 'WEB_SIGNUP_MAX', d.maxPerWindow, 1_000_000),
    maxPerClient: wholeNumberFrom(env, 'WEB_SIGNUP_MAX_PER_CLIENT', d.maxPerClient, 100_000),
    windowMinutes: wholeNumberFrom(env, 'WEB_SIGNUP_WINDOW_MINUTES', d.windowMinutes, WEEK_MINUTES),
  });
}
