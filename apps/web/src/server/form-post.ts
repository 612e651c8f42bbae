import 'server-only';
import { readCookie } from './auth/session-cookie';

/**
 * Same-origin check for the app's own form posts (sign in, sign up, sign out).
 * SameSite=Lax already keeps the session cookie off cross-site POSTs; this also
 * refuses login CSRF (a foreign page signing the browser into another account).
 */
export function isSameOriginPost(req: Request): boolean {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.get('origin');
  if (!origin) return true;
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** A 303 to a same-site path, so a form POST ends on a GET. */
export function seeOther(path: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location: path, 'cache-control': 'no-store', ...headers } });
}

/** `Set-Cookie` for the session cookie (httpOnly, SameSite=Lax, Secure in production). */
export function sessionCookieHeader(name: string, value: string, maxAge: number, secure: boolean): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAge}`, ...(secure ? ['Secure'] : [])].join('; ');
}

/** The most a sign-in or sign-up form body may hold: two short fields, with room to spare. */
export const MAX_FORM_BYTES = 8192;

/** A form's fields, or why there are none: `too_large` (answer 413) or `malformed`. */
export type FormRead = { ok: true; fields: Record<string, string> } | { ok: false; reason: 'too_large' | 'malformed' };

/**
 * Read short text fields from a urlencoded or multipart form body of at most
 * `maxBytes`. The body is counted as it arrives and reading stops at the cap:
 * a chunked body declares no length, so a check of Content-Length alone would
 * let it through whole. Each field is cut to 1024 characters.
 *
 * @example
 * const form = await readFormFields(req, ['email', 'password']);
 * if (!form.ok && form.reason === 'too_large') return payloadTooLarge();
 */
export async function readFormFields(req: Request, names: string[], maxBytes = MAX_FORM_BYTES): Promise<FormRead> {
  const bytes = await readCappedBody(req, maxBytes).catch(() => null);
  if (bytes === undefined) return { ok: false, reason: 'too_large' };
  if (bytes === null) return { ok: false, reason: 'malformed' };
  try {
    // Parsed from the bytes already read, with the request's own content type (and multipart boundary).
    const form = await new Response(bytes, { headers: { 'content-type': req.headers.get('content-type') ?? '' } }).formData();
    const fields: Record<string, string> = {};
    for (const name of names) {
      const v = form.get(name);
      fields[name] = typeof v === 'string' ? v.slice(0, 1024) : '';
    }
    return { ok: true, fields };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

/** The request body, or undefined once it passes `maxBytes` (declared or counted); the rest is never read. */
async function readCappedBody(req: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return undefined;
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The answer to a form body past MAX_FORM_BYTES: the vault API's 413 body, so the code is the same everywhere. */
export function payloadTooLarge(): Response {
  return Response.json(
    { code: 'ERR_PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
    { status: 413, headers: { 'cache-control': 'no-store', connection: 'close' } },
  );
}

/** One cookie from a request's Cookie header. */
export function readCookieFrom(req: Request, name: string): string | undefined {
  return readCookie(req.headers.get('cookie'), name);
}
