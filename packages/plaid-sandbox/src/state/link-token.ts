import type { InstitutionFixture } from '../data/institutions.js';
import { apiErrors } from '../http/plaid-error.js';
import type { ItemSpec, LinkSessionRecord, LinkTokenRecord } from './store-data.js';

export type { LinkSessionRecord, LinkTokenRecord };

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
