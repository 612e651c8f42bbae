import { Agent } from 'node:http';
import { Configuration, PlaidApi } from 'plaid';
import { getServices } from '@/server/vault';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Benchmark baseline, test-only: the accounts route as an app WITHOUT
 * plaid-vault would hand-write it, served by the same Next.js server so that
 * bench/http-accounts.js can subtract it from /api/items/:id/accounts and get
 * what the vault itself adds. Session check as the vault route has it, then the
 * access token from memory (the cheapest lookup a hand-written app can have: no
 * database, no decrypt, no audit, no ownership check), the official SDK, the
 * same projection.
 *
 * Off (404) unless WEB_TEST_ROUTES=1, the app runs on the emulator, and the
 * bench passed an emulator token in WEB_BENCH_BASELINE_TOKEN. A real app must
 * never hold a token this way; that is what the vault is for.
 */
let api: PlaidApi | undefined;

export async function GET(req: Request): Promise<Response> {
  const { sessions, settings } = await getServices();
  const token = process.env.WEB_BENCH_BASELINE_TOKEN;
  const baseUrl = process.env.PLAID_BASE_URL;
  if (!settings.testRoutes || !settings.emulator || !token || !baseUrl)
    return Response.json({ code: 'ERR_ROUTE_NOT_FOUND', message: 'Not found.' }, { status: 404 });
  const userId = await sessions.userIdFromRequest(req);
  if (!userId) return Response.json({ code: 'ERR_AUTH_REQUIRED', message: 'Authentication required.' }, { status: 401 });
  api ??= new PlaidApi(
    new Configuration({
      basePath: baseUrl,
      baseOptions: {
        httpAgent: new Agent({ keepAlive: true }),
        headers: { 'PLAID-CLIENT-ID': process.env.PLAID_CLIENT_ID ?? '', 'PLAID-SECRET': process.env.PLAID_SECRET ?? '' },
      },
    }),
  );
  const { data } = await api.accountsGet({ access_token: token });
  return Response.json({
    accounts: data.accounts.map((a) => ({
      accountId: a.account_id,
      name: a.name,
      officialName: a.official_name ?? null,
      mask: a.mask ?? null,
      type: a.type,
      subtype: a.subtype ?? null,
      balances: {
        available: a.balances.available ?? null,
        current: a.balances.current ?? null,
        limit: a.balances.limit ?? null,
        isoCurrencyCode: a.balances.iso_currency_code ?? null,
      },
    })),
  });
}
