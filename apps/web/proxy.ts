import { NextResponse, type NextRequest } from 'next/server';
import { contentSecurityPolicy } from './src/content-security-policy';
import { plaidModeFrom } from './src/plaid-mode';

/**
 * A fresh nonce and CSP per page request. Next reads the nonce from the
 * request's CSP header and puts it on its own scripts, so every page is
 * dynamically rendered (they all read the session anyway).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const csp = contentSecurityPolicy({
    nonce,
    linkScriptUrl: plaidModeFrom(process.env).linkScriptUrl,
    dev: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  return response;
}

/**
 * Pages only. Route handlers (`/api`, the `/auth` form posts, the sandbox
 * reconnect) answer JSON or redirects and need no CSP nonce; kept out of the
 * proxy, their request bodies stream straight to them, where the form routes
 * stop reading at 8 KiB. For a request that passes through a proxy, Next reads
 * the whole body first (up to `proxyClientMaxBodySize`, next.config.ts).
 */
export const config = {
  matcher: [{ source: '/((?!api/|auth/|items/[^/]+/reconnect|_next/static|_next/image|favicon.ico).*)' }],
};
