import { flushAfter } from 'plaid-vault/next';
import { getServices } from '@/server/vault';
import { isSameOriginPost, readCookieFrom } from '@/server/form-post';

export const runtime = 'nodejs';

const json = (status: number, body: unknown) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } });

/**
 * Emulator reconnect for a `login_required` item: the same update-mode link
 * token real Plaid Link would open, then the emulator plays the user signing
 * in at the bank. Its LOGIN_REPAIRED webhook sets the item active again.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  if (!isSameOriginPost(req)) return json(403, { code: 'ERR_ORIGIN_FORBIDDEN' });
  const { vault, sessions, emulator, errorCode } = await getServices();
  flushAfter(vault);
  const userId = await sessions.userIdFromCookie(readCookieFrom(req, sessions.cookieName));
  if (!userId) return json(401, { code: 'ERR_AUTH_REQUIRED' });
  if (!emulator) return json(404, { code: 'ERR_ROUTE_NOT_FOUND' });
  const { id } = await params;
  try {
    await vault.items.get({ userId, itemId: id });
    await vault.link.createLinkToken({ userId, itemId: id });
    await emulator.repairLogin(id);
    const item = await vault.items.get({ userId, itemId: id });
    return json(200, { itemId: id, status: item.status });
  } catch (err) {
    const code = errorCode(err);
    if (code) return json((err as { status?: number }).status ?? 500, { code });
    console.error('[plaid-vault web] sandbox reconnect failed:', err instanceof Error ? err.name : 'error');
    return json(502, { code: 'ERR_PLAID_UNREACHABLE' });
  }
}
