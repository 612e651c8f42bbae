import { flushAfter } from 'plaid-vault/next';
import { getServices } from '@/server/vault';
import { createTransactionsStore } from '@/server/transactions-store';

// The vault, its drivers and node:crypto need Node, not the edge runtime.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const ITEM_PATH = /^\/api\/items\/([^/]+)$/;

/** Every /api/* request goes to plaid-vault's Hono app (mounted at basePath /api). */
async function handle(req: Request): Promise<Response> {
  const services = await getServices();
  // The audit events (and cache work) this request leaves buffered are written once the
  // response is sent, before a serverless platform may freeze the function.
  flushAfter(services.vault);
  const res = await services.http.fetch(req);
  // A removed item's synced transactions go with it (the vault already shredded its token).
  if (req.method === 'DELETE' && res.status === 204) {
    const itemId = itemIdOf(new URL(req.url).pathname);
    if (itemId) await createTransactionsStore(services.db).forget(itemId);
  }
  return res;
}

/** The item id in `/api/items/:id`, decoded; undefined for another path or one that does not decode (scripts/request-guard.js refuses those first). */
function itemIdOf(pathname: string): string | undefined {
  const raw = ITEM_PATH.exec(pathname)?.[1];
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, handle as HEAD, handle as OPTIONS };
