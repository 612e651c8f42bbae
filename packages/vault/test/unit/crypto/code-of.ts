import { isVaultError } from '../../../src/errors.js';

/** The VaultError code `fn` throws, `undefined` if it returns, or a marker for any other throw (so the assertion shows it). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isVaultError(error) ? error.code : `non-vault error: ${String(error)}`;
  }
}
