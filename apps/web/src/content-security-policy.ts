const PLAID_CDN = 'https://cdn.plaid.com';

/**
 * The page CSP. Scripts run only with this response's nonce ('strict-dynamic'
 * lets Next's nonce'd loader pull its chunks and the Link script the app
 * inserts); styles allow 'unsafe-inline' because React style attributes cannot
 * carry a nonce, and CSS cannot run code. Link's origin (Plaid's CDN, or the
 * emulator's) is allowed for scripts and frames only when Link is configured;
 * Plaid's API hosts for connections only with real Plaid (the emulator's Link
 * makes its calls from its own frame, under that frame's policy).
 */
export function contentSecurityPolicy(opts: { nonce: string; linkScriptUrl: string | null; dev: boolean }): string {
  const link = opts.linkScriptUrl ? new URL(opts.linkScriptUrl).origin : null;
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${opts.nonce}' 'strict-dynamic'${link ? ` ${link}` : ''}${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${link === PLAID_CDN ? ' https://*.plaid.com' : ''}`,
    `frame-src ${link ?? "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
