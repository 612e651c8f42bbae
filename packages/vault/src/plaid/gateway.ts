import type { CountryCode, PlaidApi, Products } from 'plaid';
import { Secret } from '../crypto/secret.js';
import { mapPlaidError } from './errors.js';
import { createRetrier, type RetryOptions } from './retry.js';
import type { PlaidGateway, PlaidHealth, PlaidItemInfo } from './types.js';

export interface PlaidGatewayOptions {
  /** The SDK client, or a factory called on first use (so a vault without Plaid settings still starts, and never loads the SDK). */
  api: PlaidApi | (() => PlaidApi | Promise<PlaidApi>);
  retry?: RetryOptions;
}

/**
 * Wrap the SDK client: every call's failure is mapped by `mapPlaidError`, reads
 * are retried (bounded, jittered), tokens stay inside `Secret`s.
 *
 * @example
 * const plaid = createPlaidGateway({ api: () => createPlaidApi({ env: 'sandbox', clientId, secret }) })
 * const accounts = await plaid.getAccounts(token)
 */
export function createPlaidGateway(options: PlaidGatewayOptions): PlaidGateway {
  const factory = options.api;
  let client: Promise<PlaidApi> | undefined = typeof factory === 'function' ? undefined : Promise.resolve(factory);
  // One client, created once; a factory that fails (a setting or the SDK missing) is asked again next time.
  const sdk = (): Promise<PlaidApi> =>
    (client ??= Promise.resolve()
      .then(() => (factory as () => PlaidApi | Promise<PlaidApi>)())
      .catch((err: unknown) => {
        client = undefined;
        throw err;
      }));
  const retry = createRetrier(options.retry);
  let health: PlaidHealth = 'unknown';

  // One attempt, mapped; 'down' only for failures that say nothing about the request.
  // Creating the client is not an attempt: its ConfigInvalidError leaves as it is.
  async function once<T>(operation: string, fn: (api: PlaidApi) => Promise<{ data: T }>): Promise<T> {
    const api = await sdk();
    try {
      const { data } = await fn(api);
      health = 'ok';
      return data;
    } catch (err) {
      const mapped = mapPlaidError(err, operation);
      health = mapped.code === 'ERR_PLAID_UNREACHABLE' || mapped.code === 'ERR_PLAID_API_ERROR' ? 'down' : 'ok';
      throw mapped;
    }
  }
  const read = <T>(operation: string, fn: (api: PlaidApi) => Promise<{ data: T }>): Promise<T> => retry(() => once(operation, fn));

  return {
    async createLinkToken(req) {
      const data = await once('link.token.create', (api) =>
        api.linkTokenCreate({
          client_name: req.clientName,
          language: 'en',
          country_codes: req.countryCodes as CountryCode[],
          user: { client_user_id: req.clientUserId },
          ...(req.accessToken ? { access_token: req.accessToken.reveal() } : { products: req.products as Products[] }),
          ...(req.webhookUrl ? { webhook: req.webhookUrl } : {}),
        }),
      );
      return { linkToken: data.link_token, expiration: new Date(data.expiration) };
    },

    async exchangePublicToken(publicToken) {
      const data = await once('item.public_token.exchange', (api) => api.itemPublicTokenExchange({ public_token: publicToken }));
      return { accessToken: new Secret(data.access_token), itemId: data.item_id };
    },

    async sandboxPublicToken(req) {
      const data = await once('sandbox.public_token.create', (api) =>
        api.sandboxPublicTokenCreate({
          institution_id: req.institutionId,
          initial_products: req.products as Products[],
          options: {
            ...(req.username ? { override_username: req.username } : {}),
            ...(req.webhookUrl ? { webhook: req.webhookUrl } : {}),
          },
        }),
      );
      return data.public_token;
    },

    async getItem(token) {
      const data = await read('item.get', (api) => api.itemGet({ access_token: token.reveal() }));
      const item = data.item;
      const info: PlaidItemInfo = {
        itemId: item.item_id,
        institutionId: item.institution_id ?? null,
        institutionName: item.institution_name ?? null,
        products: [...(item.products ?? item.billed_products ?? [])],
        errorCode: item.error?.error_code ?? null,
      };
      return info;
    },

    async getInstitutionName(institutionId, countryCodes) {
      const data = await read('institutions.get_by_id', (api) =>
        api.institutionsGetById({ institution_id: institutionId, country_codes: countryCodes as CountryCode[] }),
      );
      return data.institution.name ?? null;
    },

    async invalidateToken(token) {
      const data = await once('item.access_token.invalidate', (api) => api.itemAccessTokenInvalidate({ access_token: token.reveal() }));
      return new Secret(data.new_access_token);
    },

    async removeItem(token) {
      await once('item.remove', (api) => api.itemRemove({ access_token: token.reveal() }));
    },

    async getAccounts(token) {
      return (await read('accounts.get', (api) => api.accountsGet({ access_token: token.reveal() }))).accounts;
    },

    async getBalances(token) {
      return (await read('accounts.balance.get', (api) => api.accountsBalanceGet({ access_token: token.reveal() }))).accounts;
    },

    async syncTransactions(token, cursor, count) {
      const data = await read('transactions.sync', (api) =>
        api.transactionsSync({ access_token: token.reveal(), count, ...(cursor ? { cursor } : {}) }),
      );
      return { added: data.added, modified: data.modified, removed: data.removed, nextCursor: data.next_cursor, hasMore: data.has_more };
    },

    async getIdentity(token) {
      return (await read('identity.get', (api) => api.identityGet({ access_token: token.reveal() }))).accounts;
    },

    async getAuth(token) {
      const data = await read('auth.get', (api) => api.authGet({ access_token: token.reveal() }));
      return { accounts: data.accounts, numbers: data.numbers };
    },

    async getHoldings(token) {
      const data = await read('investments.holdings.get', (api) => api.investmentsHoldingsGet({ access_token: token.reveal() }));
      return { accounts: data.accounts, holdings: data.holdings, securities: data.securities };
    },

    async getInvestmentTransactions(token, query) {
      const data = await read('investments.transactions.get', (api) =>
        api.investmentsTransactionsGet({
          access_token: token.reveal(),
          start_date: query.startDate,
          end_date: query.endDate,
          options: { count: query.count, offset: query.offset },
        }),
      );
      return {
        accounts: data.accounts,
        securities: data.securities,
        transactions: data.investment_transactions,
        total: data.total_investment_transactions,
      };
    },

    async getLiabilities(token) {
      const data = await read('liabilities.get', (api) => api.liabilitiesGet({ access_token: token.reveal() }));
      return { accounts: data.accounts, liabilities: data.liabilities };
    },

    async getWebhookKey(kid) {
      const { key } = await read('webhook_verification_key.get', (api) => api.webhookVerificationKeyGet({ key_id: kid }));
      return {
        kid: key.kid,
        alg: key.alg,
        kty: key.kty,
        crv: key.crv,
        x: key.x,
        y: key.y,
        use: key.use,
        createdAt: key.created_at,
        expiredAt: key.expired_at ?? null,
      };
    },

    health: () => health,
  };
}
