import type { InstitutionFixture } from '../data/institutions.js';
import { apiErrors } from '../http/plaid-error.js';
import type { ItemSpec } from './sandbox-store.js';

/**
 * One session of Link on a link token, in the shape `/link/token/get` returns in
 * `link_sessions` (Plaid's `LinkTokenGetSessionsResponse`). Link records these.
 */
export type LinkSessionRecord = { link_session_id: string } & Record<string, unknown>;

/**
 * Everything `/link/token/create` was told, kept so that Link (served by this emulator)
 * and `/link/token/get` can use it. Plain JSON, persisted with the store.
 */
export interface LinkTokenRecord {
  linkToken: string;
  createdAt: string;
  expiresAt: string;
  clientName: string;
  language: string;
  countryCodes: string[];
  /** `user.client_user_id`, when the token was made with `user`. */
  clientUserId: string | null;
  /** `user_id` from `/user/create`, when the token was made with one. */
  userId: string | null;
  products: string[];
  requiredIfSupportedProducts: string[];
  optionalProducts: string[];
  additionalConsentedProducts: string[];
  webhook: string | null;
  redirectUri: string | null;
  /** Update mode: the access token the link token was made with (null otherwise). */
  accessToken: string | null;
  /** Update mode: the Item behind `accessToken` when the link token was made. */
  itemId: string | null;
  /** `account_filters` as given (Plaid echoes them in `/link/token/get` metadata). */
  accountFilters: Record<string, unknown> | null;
  /** Sessions Link has recorded on this token, oldest first. */
  sessions: LinkSessionRecord[];
}

/**
 * The Item a finished Link session creates from a link token, at `institution` with the
 * sandbox `username`. As Plaid documents: every product in `products` must be supported
 * (else PRODUCTS_NOT_SUPPORTED); `required_if_supported_products` and `optional_products`
 * are initialized when the institution supports them and silently left out otherwise;
 * `additional_consented_products` are only consented, and initialized on the first call
 * to their endpoint.
 *
 * @example
 * const spec = itemSpecForLink(record, findInstitution('ins_109508')!, 'user_good');
 * const publicToken = store.createPublicToken(spec, now);
 */
export function itemSpecForLink(
  record: Pick<
    LinkTokenRecord,
    'products' | 'requiredIfSupportedProducts' | 'optionalProducts' | 'additionalConsentedProducts' | 'webhook'
  >,
  institution: InstitutionFixture,
  username: string,
): ItemSpec {
  if (record.products.some((p) => !institution.products.includes(p))) throw apiErrors.productsNotSupported();
  const extra = [...record.requiredIfSupportedProducts, ...record.optionalProducts].filter((p) => institution.products.includes(p));
  const products = [...new Set([...record.products, ...extra])];
  return {
    institutionId: institution.institutionId,
    products,
    consentedProducts: record.additionalConsentedProducts.filter((p) => !products.includes(p)),
    webhook: record.webhook,
    username,
  };
}
