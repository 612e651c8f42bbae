import type { PlaidApi } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { createLinkToken, linkCall, signIn } from '../helpers/link-client.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('plaid-sandbox: offline Link (files and the Link page calls)', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it("serves the drop-in script and the Link page at Plaid's CDN paths; nothing else under /link/v2", async () => {
    const script = await fetch(`${sb.url}/link/v2/stable/link-initialize.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toContain('window.Plaid = {');
    const page = await fetch(`${sb.url}/link/v2/stable/link.html`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(await page.text()).toContain('<script type="module" src="link.js"></script>');
    for (const path of ['link.js', 'link-api.js', 'link-ui.js', 'link.css'])
      expect((await fetch(`${sb.url}/link/v2/stable/${path}`)).status).toBe(200);

    for (const [method, path] of [
      ['GET', '/link/v2/stable/other.js'],
      ['GET', '/link/v2/stable/link.html/x'],
      ['POST', '/link/v2/stable/link-initialize.js'],
      ['GET', '/link/__internal/session'],
      ['POST', '/link/__internal/other'],
    ] as const) {
      const res = await fetch(sb.url + path, { method, ...(method === 'POST' && { body: '{}' }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error_code: string }).error_code).toBe('NOT_FOUND');
    }
  });

  it('opens a session on a link token: the institutions that serve its products, and the sandbox sign-ins', async () => {
    const { status, body } = await linkCall(sb.url, 'session', { link_token: await createLinkToken(plaid) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ client_name: 'Link test', update_mode: false, institution: null });
    expect(body.link_session_id).toMatch(UUID);
    expect(body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    const names = (body.institutions as { name: string }[]).map((i) => i.name);
    expect(names).toContain('Houndstooth Bank');
    expect((body.sandbox_credentials as { username: string }[]).map((c) => c.username)).toContain('user_transactions_dynamic');
    // Houndstooth Bank offers no investments: Link does not offer it for an investments token.
    const investments = await linkCall(sb.url, 'session', {
      link_token: await createLinkToken(plaid, { products: ['investments'] }),
    });
    const offered = (investments.body.institutions as { institution_id: string }[]).map((i) => i.institution_id);
    expect(offered).not.toContain('ins_109512');
    expect(offered).toContain('ins_109508');
  });

  it('signs in with user_good: a public token for an Item with the onSuccess accounts, products and webhook', async () => {
    const linkToken = await createLinkToken(plaid, {
      products: ['transactions'],
      required_if_supported_products: ['identity'],
      optional_products: ['investments'],
      additional_consented_products: ['auth'],
      webhook: 'https://example.test/hooks/plaid',
    });
    const { session, submit } = await signIn(sb.url, linkToken, { institution_id: 'ins_109511' });
    expect(submit.status).toBe(200);
    expect(submit.body.institution).toEqual({ name: 'Tartan Bank', institution_id: 'ins_109511' });
    const exchanged = await plaid.itemPublicTokenExchange({ public_token: submit.body.public_token as string });
    const { data } = await plaid.accountsGet({ access_token: exchanged.data.access_token });
    const accounts = submit.body.accounts as { id: string; mask: string; verification_status: null }[];
    expect(accounts.map((a) => a.id)).toEqual(data.accounts.map((a) => a.account_id));
    expect(accounts[0]).toEqual({
      id: data.accounts[0]!.account_id,
      name: 'Plaid Checking',
      mask: '0000',
      type: 'depository',
      subtype: 'checking',
      verification_status: null,
      class_type: null,
    });
    expect(sb.state.item(exchanged.data.item_id)).toMatchObject({
      institutionId: 'ins_109511',
      username: 'user_good',
      products: ['transactions', 'identity', 'investments'],
      webhook: 'https://example.test/hooks/plaid',
    });
    expect(session.link_session_id).not.toBe(undefined);
    // Consented at Link, initialized on first use; never consented, refused.
    expect((await plaid.authGet({ access_token: exchanged.data.access_token })).data.numbers.ach.length).toBeGreaterThan(0);
    const liabilities = await plaidErrorOf(plaid.liabilitiesGet({ access_token: exchanged.data.access_token }));
    expect(liabilities.code).toBe('ADDITIONAL_CONSENT_REQUIRED');

    // At Houndstooth Bank (no identity, no investments) both are left out; the Item is still made.
    const { submit: plain } = await signIn(sb.url, linkToken, { institution_id: 'ins_109512' });
    const other = await plaid.itemPublicTokenExchange({ public_token: plain.body.public_token as string });
    expect(sb.state.item(other.data.item_id)?.products).toEqual(['transactions']);
  });

  it('records its sessions on the link token, as /link/token/get reports them', async () => {
    const linkToken = await createLinkToken(plaid);
    const abandoned = await linkCall(sb.url, 'session', { link_token: linkToken });
    const { session, submit } = await signIn(sb.url, linkToken, { institution_id: 'ins_109509' });
    const { data } = await plaid.linkTokenGet({ link_token: linkToken });
    expect(data.link_sessions?.map((s) => s.link_session_id)).toEqual([abandoned.body.link_session_id, session.link_session_id]);
    expect(data.link_sessions?.[0]).toMatchObject({ finished_at: null });
    expect(data.link_sessions?.[1]?.finished_at).toEqual(expect.any(String));
    expect(data.link_sessions?.[1]?.results?.item_add_results).toEqual([
      { public_token: submit.body.public_token, institution: submit.body.institution, accounts: submit.body.accounts },
    ]);
  });

  it('user_transactions_dynamic takes any non-blank password and gets its own data set', async () => {
    const { submit } = await signIn(sb.url, await createLinkToken(plaid), {
      institution_id: 'ins_109508',
      username: 'user_transactions_dynamic',
      password: 'anything at all',
    });
    const { data } = await plaid.itemPublicTokenExchange({ public_token: submit.body.public_token as string });
    expect(sb.state.item(data.item_id)?.username).toBe('user_transactions_dynamic');
  });

  it.each([
    ['user_good', 'wrong', 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
    ['user_good', 'pass_good ', 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
    ['someone_else', 'pass_good', 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
    ['user_transactions_dynamic', '', 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
    ['user_good', 'error_ITEM_LOCKED', 'ITEM_ERROR', 'ITEM_LOCKED'],
    ['user_good', 'error_NO_ACCOUNTS', 'ITEM_ERROR', 'NO_ACCOUNTS'],
    ['user_good', 'error_INSTITUTION_DOWN', 'INSTITUTION_ERROR', 'INSTITUTION_DOWN'],
    ['user_good', 'error_NOT_A_CODE', 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
  ])('%s / %j fails with %s %s, and the same session can still sign in', async (username, password, type, code) => {
    const linkToken = await createLinkToken(plaid);
    const { session, submit } = await signIn(sb.url, linkToken, { institution_id: 'ins_109508', username, password });
    expect(submit.status).toBe(400);
    expect(submit.body).toMatchObject({ error_type: type, error_code: code });
    expect(submit.body.display_message).not.toBe(undefined);
    const items = sb.state.items().length;
    const retry = await linkCall(sb.url, 'submit', {
      link_token: linkToken,
      link_session_id: session.link_session_id,
      institution_id: 'ins_109508',
      username: 'user_good',
      password: 'pass_good',
    });
    expect(retry.status).toBe(200);
    expect(sb.state.items().length).toBe(items); // an Item exists only after the exchange
  });

  it('refuses malformed calls with Plaid error codes', async () => {
    const linkToken = await createLinkToken(plaid);
    const { body: session } = await linkCall(sb.url, 'session', { link_token: linkToken });
    const base = { link_token: linkToken, link_session_id: session.link_session_id, institution_id: 'ins_109508' };
    const login = { username: 'user_good', password: 'pass_good' };
    const cases: [string, Record<string, unknown> | { raw: string }, string][] = [
      ['session', { raw: 'not json' }, 'INVALID_BODY'],
      ['session', {}, 'MISSING_FIELDS'],
      ['session', { link_token: 42 }, 'INVALID_FIELD'],
      ['session', { link_token: linkToken, client_id: 'x', extra: 1 }, 'UNKNOWN_FIELDS'],
      ['session', { link_token: 'link-sandbox-00000000-0000-4000-8000-000000000000' }, 'INVALID_LINK_TOKEN'],
      ['session', { link_token: '__proto__' }, 'INVALID_LINK_TOKEN'],
      ['submit', { ...base, username: 'user_good' }, 'MISSING_FIELDS'],
      ['submit', { ...base, ...login, password: ['pass_good'] }, 'INVALID_FIELD'],
      ['submit', { ...base, ...login, link_session_id: 'nope' }, 'INVALID_FIELD'],
      ['submit', { ...base, ...login, institution_id: 'ins_1' }, 'INVALID_FIELD'],
      ['submit', { ...base, ...login, link_token: await createLinkToken(plaid) }, 'INVALID_FIELD'],
    ];
    for (const [name, body, code] of cases) {
      const answer = await linkCall(sb.url, name, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error_code, JSON.stringify(body)).toBe(code);
      expect(answer.body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    }
    // JSON only, content type included: a page elsewhere cannot post here without a CORS preflight.
    const json = JSON.stringify({ link_token: linkToken });
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const answer = await linkCall(sb.url, 'session', { raw: json }, headers);
      expect(answer.body.error_code, JSON.stringify(headers)).toBe('INVALID_BODY');
    }
    // Bytes as the body: fetch sends no content type at all.
    const bare = await fetch(`${sb.url}/link/__internal/session`, { method: 'POST', body: new TextEncoder().encode(json) });
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error_code: string }).error_code).toBe('INVALID_BODY');
    // An institution this token cannot use (no investments at Houndstooth Bank) is refused too.
    const investments = await createLinkToken(plaid, { products: ['investments'] });
    const refused = await signIn(sb.url, investments, { institution_id: 'ins_109512' });
    expect(refused.submit.body.error_code).toBe('INVALID_FIELD');
  });

  it('a session makes one public token; the link token opens new sessions (sandbox link tokens are reusable)', async () => {
    const linkToken = await createLinkToken(plaid);
    const { session, submit } = await signIn(sb.url, linkToken, { institution_id: 'ins_109508' });
    expect(submit.status).toBe(200);
    const again = await linkCall(sb.url, 'submit', {
      link_token: linkToken,
      link_session_id: session.link_session_id,
      institution_id: 'ins_109508',
      username: 'user_good',
      password: 'pass_good',
    });
    expect(again.body.error_code).toBe('INVALID_FIELD');
    const second = await signIn(sb.url, linkToken, { institution_id: 'ins_109508' });
    expect(second.session.link_session_id).not.toBe(session.link_session_id);
    expect(second.submit.body.public_token).not.toBe(submit.body.public_token);
  });

  it('refuses an expired link token, also in a session opened before it expired', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const clocked = await startSandbox({ clock: { now: () => now } });
    try {
      const api = plaidClient(clocked);
      const linkToken = await createLinkToken(api);
      const { body: session } = await linkCall(clocked.url, 'session', { link_token: linkToken });
      now = new Date(now.getTime() + 4 * 3600_000);
      expect((await linkCall(clocked.url, 'session', { link_token: linkToken })).body.error_code).toBe('INVALID_LINK_TOKEN');
      const late = await linkCall(clocked.url, 'submit', {
        link_token: linkToken,
        link_session_id: session.link_session_id,
        institution_id: 'ins_109508',
        username: 'user_good',
        password: 'pass_good',
      });
      expect(late).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN' } });
    } finally {
      await clocked.close();
    }
  });
});
