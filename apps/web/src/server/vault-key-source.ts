import { ConfigInvalidError, KEY_SOURCE_VARIABLES } from 'plaid-vault/config';

/**
 * Whether the app must generate a development key: true only when no key
 * source is set and Plaid is the offline emulator. Anything that can reach a
 * real bank must be given its keys, or the app does not start (fail closed).
 * Pure; the composition root passes the environment.
 *
 * @example
 * if (needsGeneratedVaultKey(env, emulator)) keys = devSecret(...);
 */
export function needsGeneratedVaultKey(env: Record<string, string | undefined>, emulator: boolean): boolean {
  if (KEY_SOURCE_VARIABLES.some((name) => env[name])) return false;
  if (!emulator)
    throw new ConfigInvalidError('VAULT_KEYS, VAULT_KEYS_FILE or VAULT_KEYS_COMMAND is required when Plaid is not the emulator.', {
      details: { variable: 'VAULT_KEYS' },
    });
  return true;
}
