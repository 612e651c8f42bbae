const PLAID_LINK = 'https://cdn.plaid.com';

/**
 * The page CSP. Scripts run only with this response's nonce ('strict-dynamic'
 * lets Next's nonce'd loader pull its chunks and Plaid's loader script);
 * styles allow 'unsafe-inline' because React style attributes cannot carry a
 * nonce, and CSS cannot run code. Plaid's origin appears only when Link is on.
 */
export function contentSecurityPolicy(opts: { nonce: string; linkEnabled: boolean; dev: boolean }): string {
  const plaid = opts.linkEnabled ? ` ${PLAID_LINK}` : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${opts.nonce}' 'strict-dynamic'${plaid}${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${opts.linkEnabled ? ' https://*.plaid.com' : ''}`,
    `frame-src ${opts.linkEnabled ? PLAID_LINK : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
