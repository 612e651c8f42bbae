import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

describe('plaid-sandbox: /identity/match', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it('scores each field against the sandbox owner, with null balances and null for fields not sent', async () => {
    const { access_token } = await linkItem(plaid, { products: ['identity_match'] });
    const exact = await plaid.identityMatch({
      access_token,
      user: {
        legal_name: 'Alberta Bobbeth Charleson',
        phone_number: '+1 (111) 555-3333',
        email_address: 'ACCOUNTHOLDER0@example.com',
        address: { street: '2992 Cameron Road', city: 'Malakoff', region: 'NY', postal_code: '14236', country: 'US' },
      },
    });
    const first = exact.data.accounts[0]!;
    expect(first.balances).toMatchObject({ available: null, current: null, limit: null });
    expect(first).toMatchObject({
      legal_name: { score: 100, is_first_name_or_last_name_match: true },
      phone_number: { score: 100 },
      email_address: { score: 100 },
      address: { score: 100, is_postal_code_match: true },
    });
    const partial = await plaid.identityMatch({
      access_token,
      user: { legal_name: 'Bobby Charleson', address: { postal_code: '14236', country: 'US' } },
      options: { account_ids: [first.account_id] },
    });
    expect(partial.data.accounts).toHaveLength(1);
    expect(partial.data.accounts[0]).toMatchObject({
      legal_name: { score: 70, is_first_name_or_last_name_match: true },
      phone_number: null,
      email_address: null,
      address: { score: 50, is_postal_code_match: true },
    });
    const wrong = await plaid.identityMatch({ access_token, user: { legal_name: 'Someone Else', email_address: 'x@example.com' } });
    expect(wrong.data.accounts[0]).toMatchObject({ legal_name: { score: 0 }, email_address: { score: 0 } });
    expect((await plaidErrorOf(plaid.identityMatch({ access_token, user: {} }))).code).toBe('INVALID_FIELD');
  });

  it('needs identity_match on the Item (or consented to it)', async () => {
    const tx = await linkItem(plaid);
    expect((await plaidErrorOf(plaid.identityMatch({ access_token: tx.access_token, user: { legal_name: 'A' } }))).code).toBe(
      'ADDITIONAL_CONSENT_REQUIRED',
    );
    const consented = await linkItem(plaid, { options: { additional_consented_products: ['identity_match'] } });
    const res = await plaid.identityMatch({ access_token: consented.access_token, user: { legal_name: 'Alberta Charleson' } });
    expect(res.data.item.billed_products).toContain('identity_match');
  });
});
