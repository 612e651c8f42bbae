import { findInstitution } from '../data/institutions.js';
import { apiErrors } from '../http/plaid-error.js';
import { stringField, type Body } from '../http/fields.js';
import { initializeProduct, needsInitialization } from '../state/product-consent.js';
import type { ItemRecord } from '../state/sandbox-store.js';
import type { SandboxContext } from './route.js';

const SCOPES: Record<string, string[]> = {
  auth: ['account_routing_number'],
  identity: ['contact_info'],
  identity_match: ['contact_info'],
  transactions: ['transactions'],
  investments: ['investments'],
  liabilities: ['credit_loan_info'],
};

/** The `item` object Plaid embeds in responses; `/item/get` adds the consent fields. */
export function itemView(item: ItemRecord, withConsent = false): Record<string, unknown> {
  const institution = findInstitution(item.institutionId);
  const available = (institution?.products ?? []).filter((p) => !item.products.includes(p));
  const view: Record<string, unknown> = {
    item_id: item.itemId,
    institution_id: item.institutionId,
    institution_name: institution?.name ?? null,
    webhook: item.webhook,
    auth_method: null,
    error: item.loginRequired ? { ...apiErrors.itemLoginRequired().toBody() } : null,
    available_products: available,
    billed_products: [...item.products],
    products: [...item.products],
    consented_products: [...item.products, ...item.consentedProducts],
    consent_expiration_time: null,
    update_type: 'background',
  };
  if (withConsent) {
    view.created_at = item.createdAt;
    view.consented_use_cases = [];
    const consented = [...item.products, ...item.consentedProducts];
    view.consented_data_scopes = ['account_balance_info', ...new Set(consented.flatMap((p) => SCOPES[p] ?? []))];
  }
  return view;
}

/**
 * The Item behind `access_token`, checked for what a data call needs: the product (when
 * given) is on the Item or consented (see `needsInitialization`), and the Item is not
 * waiting for a re-login. A consented product is initialized by this first call, as
 * Plaid does, unless `initialize` is false (an endpoint that only reads an initialized
 * product answers PRODUCT_NOT_READY then).
 */
export function dataItem(body: Body, ctx: SandboxContext, product?: string, opts: { initialize?: boolean } = {}): ItemRecord {
  const item = ctx.store.itemFor(stringField(body, 'access_token'));
  const initialize = product !== undefined && needsInitialization(item, product);
  if (item.loginRequired) throw apiErrors.itemLoginRequired();
  if (initialize) {
    if (opts.initialize === false) throw apiErrors.productNotReady();
    initializeProduct(ctx, item, product);
  }
  return item;
}

/** Accounts filtered by `options.account_ids`; an unknown id is INVALID_ACCOUNT_ID. */
export function selectAccounts<T extends { account_id: string }>(accounts: readonly T[], ids: readonly string[] | undefined): T[] {
  if (!ids) return [...accounts];
  const known = new Set(accounts.map((a) => a.account_id));
  if (ids.some((id) => !known.has(id))) throw apiErrors.invalidAccountId();
  return accounts.filter((a) => ids.includes(a.account_id));
}
