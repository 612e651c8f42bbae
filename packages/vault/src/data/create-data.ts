import type { VaultContext } from '../context.js';
import { callWithToken } from '../items/call-with-token.js';
import { assertProductEnabled } from './product-guard.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { Vault } from '../types/vault.js';
import { toHoldingsView, toInvestmentTransactionsView } from './investment-projections.js';
import { resolveInvestmentQuery } from './investment-query.js';
import { toLiabilitiesView } from './liability-projections.js';
import { toAccountView, toAuthView, toIdentityView } from './projections.js';
import { syncTransactions } from './transactions.js';

type Ref = { userId: string; itemId: string; requestId?: string };

// A data read answered by Plaid needs a working bank login: success repairs `login_required`.
const READ = { provesLogin: true } as const;

/**
 * Proxied reads: the vault calls Plaid with the item's token and returns
 * projected data, never a token. A product the vault is not configured for is
 * refused with ERR_PRODUCT_NOT_ENABLED before any network call.
 *
 * @example
 * const data = createDataReads(ctx, plaid);
 * const accounts = await data.accounts({ userId: 'u1', itemId });
 */
export function createDataReads(ctx: VaultContext, plaid: PlaidGateway): Vault['data'] {
  const products = ctx.config.plaid.products;
  const use = (ref: Ref, purpose: string) => ({
    userId: ref.userId,
    itemId: ref.itemId,
    purpose,
    ...(ref.requestId && { requestId: ref.requestId }),
  });
  return {
    // Accounts and balances come with every product (Plaid bills none for /accounts/get).
    accounts: (ref) => callWithToken(ctx, use(ref, 'accounts.get'), async (t) => (await plaid.getAccounts(t)).map(toAccountView), READ),
    balances: (ref) =>
      callWithToken(ctx, use(ref, 'accounts.balance.get'), async (t) => (await plaid.getBalances(t)).map(toAccountView), READ),
    async transactions(ref) {
      assertProductEnabled(products, 'transactions');
      return syncTransactions(ctx, plaid, ref);
    },
    async identity(ref) {
      assertProductEnabled(products, 'identity');
      return callWithToken(ctx, use(ref, 'identity.get'), async (t) => toIdentityView(await plaid.getIdentity(t)), READ);
    },
    async auth(ref) {
      assertProductEnabled(products, 'auth');
      return callWithToken(
        ctx,
        use(ref, 'auth.get'),
        async (t) => {
          const { accounts, numbers } = await plaid.getAuth(t);
          return toAuthView(accounts, numbers);
        },
        READ,
      );
    },
    async holdings(ref) {
      assertProductEnabled(products, 'investments');
      return callWithToken(ctx, use(ref, 'investments.holdings.get'), async (t) => toHoldingsView(await plaid.getHoldings(t)), READ);
    },
    async investmentTransactions(ref) {
      assertProductEnabled(products, 'investments');
      const query = resolveInvestmentQuery(ref, ctx.clock.now());
      return callWithToken(
        ctx,
        use(ref, 'investments.transactions.get'),
        async (t) => toInvestmentTransactionsView(await plaid.getInvestmentTransactions(t, query)),
        READ,
      );
    },
    async liabilities(ref) {
      assertProductEnabled(products, 'liabilities');
      return callWithToken(ctx, use(ref, 'liabilities.get'), async (t) => toLiabilitiesView(await plaid.getLiabilities(t)), READ);
    },
  };
}
