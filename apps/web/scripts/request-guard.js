// What the server refuses before Next.js sees a request. Next answers some
// requests it cannot represent with a 500 (and a stack trace in the log):
// methods the Fetch API forbids (TRACE, TRACK, CONNECT) fail when Next builds a
// `Request` for the proxy or a route, and a path whose percent-encoding does not
// decode (`/items/%`, `/api/items/%zz/accounts`, overlong UTF-8) fails in its
// router. Both are the client's fault: 405 and 400, answered here with a short
// body and no log line.

/** The methods the app serves (route handlers pick their own among these). */
export const ALLOWED_METHODS = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const ALLOWED = new Set(ALLOWED_METHODS);

/**
 * @typedef {{ status: 400 | 405, code: 'ERR_INPUT_INVALID' | 'ERR_METHOD_NOT_ALLOWED', message: string }} Refusal
 */

/**
 * Why the request must be refused before it reaches Next, or null to pass it on.
 * `url` is the request target as the client sent it (`req.url`).
 *
 * @example
 * refusal('TRACE', '/'); // { status: 405, code: 'ERR_METHOD_NOT_ALLOWED', ... }
 * refusal('GET', '/items/%zz'); // { status: 400, code: 'ERR_INPUT_INVALID', ... }
 * refusal('GET', '/items/it_1?page=2'); // null
 *
 * @param {string | undefined} method
 * @param {string | undefined} url
 * @returns {Refusal | null}
 */
export function refusal(method, url) {
  if (!method || !ALLOWED.has(method)) {
    return { status: 405, code: 'ERR_METHOD_NOT_ALLOWED', message: 'This method is not allowed.' };
  }
  // Origin-form only ("/path?query"): the app sits behind its own listener or a proxy
  // that forwards origin-form, and `*` or an absolute URL is not a path Next can route.
  if (!url || !url.startsWith('/')) return badPath();
  const path = url.split('?', 1)[0] ?? '';
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    try {
      decodeURIComponent(segment);
    } catch {
      return badPath();
    }
  }
  return null;
}

/** @returns {Refusal} */
function badPath() {
  return { status: 400, code: 'ERR_INPUT_INVALID', message: 'The request path is not validly encoded.' };
}

/**
 * Write a refusal: JSON with the error code for `/api` (what API clients parse),
 * plain text for pages; no body for HEAD; the headers every answer carries.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {Refusal} r
 * @param {{ method?: string, url?: string }} req
 */
export function sendRefusal(res, r, req) {
  const api = (req.url ?? '').startsWith('/api/');
  const body = api ? JSON.stringify({ code: r.code, message: r.message }) : `${r.message}\n`;
  /** @type {Record<string, string | number>} */
  const headers = {
    'content-type': api ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  };
  if (r.status === 405) headers.allow = ALLOWED_METHODS.join(', ');
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
