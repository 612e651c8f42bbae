import { ConfigInvalidError } from 'plaid-vault/config';

/**
 * A whole number from 1 to `max` read from `env[name]`, or `fallback` when the
 * variable is unset or blank. Anything else throws, naming the variable: a typo
 * must not turn a limit off (0) or make it meaningless (NaN), so the app stops instead.
 *
 * @example
 * wholeNumberFrom({ WEB_SIGNUP_MAX: '10' }, 'WEB_SIGNUP_MAX', 30, 100_000); // 10
 */
export function wholeNumberFrom(env: Record<string, string | undefined>, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new ConfigInvalidError(`${name} must be a whole number from 1 to ${max}.`, { details: { variable: name } });
  return value;
}
