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
  return services.http.fetch(req);
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, handle as HEAD, handle as OPTIONS };
