import { notFound } from 'next/navigation';
import { ClientEcho } from '@/components/client-echo';
import { requireUserId } from '@/server/current-user';
import { withTaintedToken } from '@/server/tainted-token';
import { getServices } from '@/server/vault';

/**
 * Test-only (WEB_TEST_ROUTES=1, 404 otherwise): proves React's taint guard.
 * `?item=<id>` passes the item's real, tainted access token to a Client
 * Component, which must fail; `&control=1` passes an untainted string through
 * the same path, which must render (so the failure is the taint, not the page).
 */
export default async function TaintProbe({ searchParams }: { searchParams: Promise<{ item?: string; control?: string }> }) {
  const userId = await requireUserId();
  const { vault, settings, errorCode } = await getServices();
  if (!settings.testRoutes) notFound();
  const { item, control } = await searchParams;
  if (!item) notFound();
  let value: string;
  try {
    value = await withTaintedToken(vault, { userId, itemId: item, purpose: 'test.taint_probe' }, (token) =>
      control === '1' ? 'x'.repeat(token.length) : token,
    );
  } catch (err) {
    if (errorCode(err) === 'ERR_ITEM_NOT_FOUND') notFound();
    throw err;
  }
  return <ClientEcho value={value} />;
}
