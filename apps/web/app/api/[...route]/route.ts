import { flushAfter } from 'plaid-vault/next';
import { getServices } from '@/server/vault';

// The vault, its drivers and node:crypto need Node, not the edge runtime.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Every /api/* request goes to plaid-vault's Hono app (mounted at basePath /api).
 * What the app keeps about a removed item goes through the vault's onItemRemoved
 * hook (src/server/vault.ts), whichever way the item was removed.
 */
async function handle(req: Request): Promise<Response> {
  const services = await getServices();
  // The audit events (and cache work) this request leaves buffered are written once the
  // response is sent, before a serverless platform may freeze the function.
  flushAfter(services.vault);
  return services.http.fetch(req);
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, handle as HEAD, handle as OPTIONS };
