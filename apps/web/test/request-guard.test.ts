/** What scripts/server.js refuses before Next.js (pure function; hardening.test.ts checks the served answers). */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { refusal } from '../scripts/request-guard.js';

const refuse = refusal as (method: string | undefined, url: string | undefined) => { status: number; code: string } | null;

describe('request guard', () => {
  it.each(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('passes %s on a well-formed path', (method) => {
    expect(refuse(method, '/items/it_1/accounts?page=2')).toBeNull();
  });

  it.each(['TRACE', 'TRACK', 'CONNECT', 'PROPFIND', 'MKCOL', 'SEARCH', 'QUERY', 'get', undefined])('refuses %s with 405', (method) => {
    expect(refuse(method, '/')).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
  });

  it.each(['/items/%', '/items/%zz', '/api/items/%zz/accounts', '/items/%C0%AF', '/api/items/%E0%A4%A/accounts', '/items/x/reconnect%'])(
    'refuses %s with 400',
    (url) => {
      expect(refuse('GET', url)).toMatchObject({ status: 400, code: 'ERR_INPUT_INVALID' });
    },
  );

  it.each(['*', 'http://127.0.0.1/signin', '', undefined])('refuses the request target %s (origin-form only)', (url) => {
    expect(refuse('GET', url)).toMatchObject({ status: 400, code: 'ERR_INPUT_INVALID' });
  });

  it.each(['/items/%25', '/items/a%2Fb', '/items/%F0%9F%98%80', '/dashboard?x=%zz', '/items/x?page=%', '//signin', '/'])(
    'leaves %s to Next (it decodes, or the bad part is in the query)',
    (url) => {
      expect(refuse('GET', url)).toBeNull();
    },
  );
});
