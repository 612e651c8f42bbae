import { accountsBalanceGet, accountsGet, authGet, identityGet } from './account-routes.js';
import {
  institutionsGetById,
  itemGet,
  itemWebhookUpdate,
  sandboxFireWebhook,
  sandboxResetLogin,
  webhookVerificationKeyGet,
} from './item-routes.js';
import type { Route } from './route.js';
import { accessTokenInvalidate, itemRemove, linkTokenCreate, publicTokenExchange, sandboxPublicTokenCreate } from './token-routes.js';
import { transactionsGet, transactionsRefresh, transactionsSync } from './transaction-routes.js';

/** Every endpoint the sandbox serves, by path. */
export const ROUTES: ReadonlyMap<string, Route> = new Map(
  [
    linkTokenCreate,
    sandboxPublicTokenCreate,
    publicTokenExchange,
    accessTokenInvalidate,
    itemRemove,
    itemGet,
    itemWebhookUpdate,
    sandboxResetLogin,
    sandboxFireWebhook,
    webhookVerificationKeyGet,
    institutionsGetById,
    accountsGet,
    accountsBalanceGet,
    authGet,
    identityGet,
    transactionsSync,
    transactionsGet,
    transactionsRefresh,
  ].map((r) => [r.path, r]),
);
