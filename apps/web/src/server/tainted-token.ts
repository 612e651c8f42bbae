import 'server-only';
import { experimental_taintUniqueValue } from 'react';
import type { TokenUse, Vault } from 'plaid-vault';

export const TAINT_MESSAGE = 'Do not pass access tokens to the client';

/**
 * `vault.withToken` for app code that needs the plaintext: the revealed string
 * is tainted before `fn` sees it, so if it is ever handed to a Client Component
 * (or returned from a Server Action) React refuses to serialise it. The taint
 * lives as long as the Secret, which the vault's L1 cache keeps for its TTL.
 */
export function withTaintedToken<T>(vault: Vault, use: TokenUse, fn: (token: string) => Promise<T> | T): Promise<T> {
  return vault.withToken(use, (secret) => {
    const token = secret.reveal();
    experimental_taintUniqueValue(TAINT_MESSAGE, secret, token);
    return fn(token);
  });
}
