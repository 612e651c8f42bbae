import { describe, expect, it } from 'vitest';
import { specValidator, validateResponses, type SpecValidator } from '../helpers/openapi-validator.js';

// The validator is what makes every other test's schema check mean something: prove it can fail.
describe.skipIf(!validateResponses)('OpenAPI validator helper', () => {
  // Built only where the spec is (a skipped suite is still collected).
  const v: SpecValidator = validateResponses ? specValidator() : (undefined as never);
  const error = { error_type: 'INVALID_INPUT', error_code: 'X', error_message: 'm', display_message: null, request_id: 'r' };

  it.each([
    ['accepts a well-formed PlaidError', 400, error, true],
    ['rejects an error without error_code', 400, { ...error, error_code: undefined }, false],
    ['rejects an unknown error_type', 400, { ...error, error_type: 'NOPE' }, false],
    ['accepts null where the spec says nullable', 200, { public_token: 'p', request_id: 'r' }, true],
    ['rejects a 200 body missing a required field', 200, { request_id: 'r' }, false],
  ])('%s', (_name, status, body, ok) => {
    const run = () => v.assertResponse('/sandbox/public_token/create', status, body);
    if (ok) expect(run).not.toThrow();
    else expect(run).toThrow();
  });

  it('handles nullable unions on nested refs (AccountBase.subtype, Item.error)', () => {
    const item = {
      item_id: 'i',
      webhook: null,
      error: null,
      available_products: [],
      billed_products: [],
      consent_expiration_time: null,
      update_type: 'background',
    };
    const account = {
      account_id: 'a',
      balances: { available: null, current: 1, limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
      mask: null,
      name: 'n',
      official_name: null,
      type: 'other',
      subtype: null,
    };
    expect(() => v.assertResponse('/accounts/get', 200, { accounts: [account], item, request_id: 'r' })).not.toThrow();
    expect(() =>
      v.assertResponse('/accounts/get', 200, { accounts: [{ ...account, subtype: 'not-a-subtype' }], item, request_id: 'r' }),
    ).toThrow();
    expect(() =>
      v.assertResponse('/accounts/get', 200, { accounts: [account], item: { ...item, error: 'broken' }, request_id: 'r' }),
    ).toThrow();
  });

  it('validates webhook bodies against the schema named for their type and code', () => {
    const base = { item_id: 'i', environment: 'sandbox', error: null };
    const holdings = { ...base, webhook_type: 'HOLDINGS', webhook_code: 'DEFAULT_UPDATE', new_holdings: 1, updated_holdings: 0 };
    expect(v.assertWebhook(holdings)).toBe('HoldingsDefaultUpdateWebhook');
    // The bug of issue 14: a HOLDINGS webhook carrying the TRANSACTIONS body.
    expect(() => v.assertWebhook({ ...base, webhook_type: 'HOLDINGS', webhook_code: 'DEFAULT_UPDATE', new_transactions: 0 })).toThrow(
      /HoldingsDefaultUpdateWebhook/,
    );
    const recurring = { ...base, webhook_type: 'TRANSACTIONS', webhook_code: 'RECURRING_TRANSACTIONS_UPDATE' };
    expect(() => v.assertWebhook(recurring)).toThrow(/account_ids/);
    expect(() => v.assertWebhook({ ...recurring, account_ids: [] })).not.toThrow();
    expect(() => v.assertWebhook({ ...base, webhook_type: 'ITEM', webhook_code: 'NO_SUCH_CODE' })).toThrow(/no spec schema known/);
    expect(() => v.assertSchema('NoSuchWebhook', {})).toThrow(/no component schema NoSuchWebhook/);
  });

  it('refuses paths the spec does not describe', () => {
    expect(() => v.assertResponse('/no/such/path', 200, {})).toThrow();
  });
});
