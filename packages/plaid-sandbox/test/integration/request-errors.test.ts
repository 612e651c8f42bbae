import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { ROUTES } from '../../src/routes/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { plaidClient, plaidErrorOf, rawPost } from '../helpers/sandbox-client.js';

describe('plaid-sandbox: credentials and malformed input answer as Plaid does', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox({ clientId: 'cid_1', secret: 'sec_1' });
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it('accepts credentials in the body when no headers are sent', async () => {
    const bodyOnly = plaidClient(sb, 'none');
    const res = await bodyOnly.institutionsGetById({
      client_id: 'cid_1',
      secret: 'sec_1',
      institution_id: 'ins_109510',
      country_codes: ['US' as never],
    });
    expect(res.data.institution.name).toBe('Tattersall Federal Credit Union');
  });

  it('missing credentials are MISSING_FIELDS, wrong ones INVALID_API_KEYS', async () => {
    const none = plaidClient(sb, 'none');
    const missing = await plaidErrorOf(none.institutionsGetById({ institution_id: 'ins_109510', country_codes: ['US' as never] }));
    expect(missing).toMatchObject({ status: 400, code: 'MISSING_FIELDS', type: 'INVALID_REQUEST' });
    const onlyId = await rawPost(sb, '/item/get', '{"access_token":"x"}', {
      'content-type': 'application/json',
      'plaid-client-id': 'cid_1',
    });
    expect(onlyId.body.error_code).toBe('MISSING_FIELDS');
    expect(onlyId.body.error_message).toContain('secret');
    const wrong = plaidClient(sb, 'headers', { clientId: 'cid_1', secret: 'nope' });
    expect((await plaidErrorOf(wrong.itemGet({ access_token: 'access-sandbox-x' }))).code).toBe('INVALID_API_KEYS');
    const wrongBody = await rawPost(sb, '/item/get', JSON.stringify({ client_id: 'other', secret: 'sec_1', access_token: 'x' }), {
      'content-type': 'application/json',
    });
    expect(wrongBody.body.error_code).toBe('INVALID_API_KEYS');
  });

  it('unknown routes are 404 NOT_FOUND with a request_id and Plaid content type', async () => {
    const res = await rawPost(sb, '/no/such/route', '{}');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' });
    expect(res.body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    const admin = await rawPost(sb, '/__admin/faults', '{}');
    expect(admin.status).toBe(404);
  });

  it('malformed JSON, non-object bodies and wrong content types are INVALID_BODY', async () => {
    for (const body of ['{"access_token":', '[]', 'null', '']) {
      const res = await rawPost(sb, '/item/get', body);
      expect([res.status, res.body.error_code]).toEqual([400, 'INVALID_BODY']);
    }
    const text = await rawPost(sb, '/item/get', '{"access_token":"x"}', {
      'content-type': 'text/plain',
      'plaid-client-id': 'cid_1',
      'plaid-secret': 'sec_1',
    });
    expect(text.body.error_code).toBe('INVALID_BODY');
  });

  it('unknown fields are UNKNOWN_FIELDS and missing ones MISSING_FIELDS, naming the fields', async () => {
    const unknown = await rawPost(sb, '/item/get', JSON.stringify({ access_token: 'x', colour: 'red' }));
    expect(unknown.body.error_code).toBe('UNKNOWN_FIELDS');
    expect(unknown.body.error_message).toContain('colour');
    const missing = await plaidErrorOf(plaid.sandboxPublicTokenCreate({} as never));
    expect(missing.code).toBe('MISSING_FIELDS');
    const wrongType = await rawPost(sb, '/item/get', JSON.stringify({ access_token: 42 }));
    expect(wrongType.body.error_code).toBe('INVALID_FIELD');
  });

  it('collapses duplicate slashes, as a basePath with a trailing slash produces', async () => {
    const slashy = plaidClient({ ...sb, url: `${sb.url}/` });
    const res = await slashy.institutionsGetById({ institution_id: 'ins_109511', country_codes: ['US' as never] });
    expect(res.data.institution.name).toBe('Tartan Bank');
  });

  it('dead or foreign access tokens are INVALID_ACCESS_TOKEN', async () => {
    for (const token of [
      'bad',
      'access-production-de3ce8ef-33f8-452c-a685-8671031fc0f6',
      'access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6',
    ]) {
      expect((await plaidErrorOf(plaid.accountsGet({ access_token: token }))).code).toBe('INVALID_ACCESS_TOKEN');
    }
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    expect((await plaidErrorOf(plaid.accountsGet({ access_token: pt.data.public_token }))).code).toBe('INVALID_ACCESS_TOKEN');
  });

  it('tokens named like Object.prototype keys are just unknown tokens', async () => {
    for (const token of ['__proto__', 'constructor', 'toString']) {
      expect((await plaidErrorOf(plaid.itemPublicTokenExchange({ public_token: token }))).code).toBe('INVALID_PUBLIC_TOKEN');
      expect((await plaidErrorOf(plaid.itemGet({ access_token: token }))).code).toBe('INVALID_ACCESS_TOKEN');
    }
  });

  it('gates products: unconsented is ADDITIONAL_CONSENT_REQUIRED, unsupported is PRODUCTS_NOT_SUPPORTED', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109512', initial_products: ['transactions' as never] });
    const { access_token } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    expect((await plaidErrorOf(plaid.authGet({ access_token }))).code).toBe('ADDITIONAL_CONSENT_REQUIRED');
    // Houndstooth Bank does not offer identity.
    expect(await plaidErrorOf(plaid.identityGet({ access_token }))).toMatchObject({ code: 'PRODUCTS_NOT_SUPPORTED', type: 'ITEM_ERROR' });
    const balance = await plaid.accountsBalanceGet({ access_token });
    expect(balance.data.accounts.length).toBeGreaterThan(0);
    expect(
      (await plaidErrorOf(plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109512', initial_products: ['identity' as never] }))).code,
    ).toBe('PRODUCTS_NOT_SUPPORTED');
    expect(
      (await plaidErrorOf(plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['balance' as never] }))).code,
    ).toBe('INVALID_PRODUCT');
  });

  it('link/token/create requires a user and products outside update mode', async () => {
    const base = { client_name: 'app', language: 'en', country_codes: ['US' as never] };
    expect((await plaidErrorOf(plaid.linkTokenCreate({ ...base, products: ['transactions' as never] } as never))).code).toBe(
      'MISSING_FIELDS',
    );
    expect((await plaidErrorOf(plaid.linkTokenCreate({ ...base, user: { client_user_id: 'u' } }))).code).toBe('MISSING_FIELDS');
  });

  it('every served path is in the spec, and answers an empty body with a spec-valid answer', async () => {
    expect(ROUTES.size).toBe(32);
    for (const path of ROUTES.keys()) {
      if (validateResponses) expect(specValidator().hasPath(path), path).toBe(true);
      const res = await rawPost(sb, path, '{}');
      // /categories/get needs nothing; every other endpoint names what is missing.
      if (path === '/categories/get') expect(res.status).toBe(200);
      else expect([res.status, res.body.error_code], path).toEqual([400, 'MISSING_FIELDS']);
    }
  });
});
