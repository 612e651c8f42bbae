/**
 * `plaid-vault/next`: Next.js helpers. A serverless function may be frozen or
 * stopped as soon as its invocation ends; what the vault buffers for a timer
 * (audit events, queued cache invalidations) must be written before that. These
 * helpers schedule `vault.flush()` with Next's `after()`, which runs once the
 * response is sent and which the platform waits for (Vercel's `waitUntil`;
 * `next start` waits for it on a graceful shutdown).
 *
 * `next` is an optional peer dependency, imported only by this subpath.
 * (`next/server.js`, not `next/server`: Next has no `exports` map, so Node's
 * own ESM loader needs the file name.)
 *
 * @example
 * // app/api/accounts/route.ts
 * import { flushAfter } from 'plaid-vault/next';
 * export async function GET(req: Request) {
 *   const vault = await getVault();
 *   flushAfter(vault);
 *   return Response.json(await vault.data.accounts({ userId, itemId }));
 * }
 */
import { after } from 'next/server.js';
import type { Vault } from '../types/vault.js';

/** What the helpers need of a vault (any copy of the package, or a promise of one). */
export type Flushable = Pick<Vault, 'flush'>;

export interface FlushAfterOptions {
  /**
   * Called with the error when the flush fails (the audit store is down; the
   * events stay buffered and the vault has logged the failure). By default the
   * error is swallowed, so Next does not print it with the request's context.
   */
  onError?: (err: unknown) => void;
}

/**
 * Schedule `vault.flush()` for after the current response: call it in a route
 * handler, a server action or a server component, before or after using the
 * vault (it runs once the response is sent, whatever the handler did). Throws,
 * as `after()` does, outside a request.
 *
 * @example
 * 'use server';
 * export async function refresh(itemId: string) {
 *   const vault = await getVault();
 *   flushAfter(vault);
 *   return vault.data.balances({ userId: await currentUser(), itemId });
 * }
 */
export function flushAfter(vault: Flushable | PromiseLike<Flushable>, opts: FlushAfterOptions = {}): void {
  after(async () => {
    try {
      await (await vault).flush();
    } catch (err) {
      opts.onError?.(err);
    }
  });
}

/**
 * A route handler that flushes the vault after its response, also when it
 * throws.
 *
 * @example
 * export const GET = withFlush(getVault, async (req: Request) => Response.json(await listAccounts(req)));
 */
export function withFlush<A extends unknown[], R>(
  vault: Flushable | PromiseLike<Flushable> | (() => Flushable | PromiseLike<Flushable>),
  handler: (...args: A) => R | Promise<R>,
  opts: FlushAfterOptions = {},
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    flushAfter(typeof vault === 'function' ? vault() : vault, opts);
    return handler(...args);
  };
}
