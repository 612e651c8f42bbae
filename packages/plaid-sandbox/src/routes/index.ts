import { accountsBalanceGet, accountsGet, authGet } from './account-routes.js';
import { categoriesGet } from './category-routes.js';
import { identityGet, identityMatch } from './identity-routes.js';
import { institutionsGet, institutionsGetById, institutionsSearch } from './institution-routes.js';
import { investmentsHoldingsGet, investmentsRefresh, investmentsTransactionsGet } from './investment-routes.js';
import { itemGet, itemWebhookUpdate, sandboxFireWebhook, sandboxResetLogin, webhookVerificationKeyGet } from './item-routes.js';
import { liabilitiesGet } from './liability-routes.js';
import { linkTokenCreate, linkTokenGet } from './link-token-routes.js';
import { processorTokenCreate } from './processor-routes.js';
import { transactionsRecurringGet } from './recurring-routes.js';
import type { Route } from './route.js';
import { sandboxTransactionsCreate } from './sandbox-transaction-routes.js';
import { accessTokenInvalidate, itemPublicTokenCreate, itemRemove, publicTokenExchange, sandboxPublicTokenCreate } from './token-routes.js';
import { transactionsGet, transactionsRefresh, transactionsSync } from './transaction-routes.js';
import { userCreate } from './user-routes.js';

/** Every endpoint the sandbox serves, by path. */
export const ROUTES: ReadonlyMap<string, Route> = new Map(
  [
    linkTokenCreate,
    linkTokenGet,
    sandboxPublicTokenCreate,
    publicTokenExchange,
    itemPublicTokenCreate,
    accessTokenInvalidate,
    itemRemove,
    itemGet,
    itemWebhookUpdate,
    sandboxResetLogin,
    sandboxFireWebhook,
    webhookVerificationKeyGet,
    institutionsGetById,
    institutionsSearch,
    institutionsGet,
    categoriesGet,
    userCreate,
    processorTokenCreate,
    accountsGet,
    accountsBalanceGet,
    authGet,
    identityGet,
    identityMatch,
    transactionsSync,
    transactionsGet,
    transactionsRefresh,
    transactionsRecurringGet,
    sandboxTransactionsCreate,
    investmentsHoldingsGet,
    investmentsTransactionsGet,
    investmentsRefresh,
    liabilitiesGet,
  ].map((r) => [r.path, r]),
);
