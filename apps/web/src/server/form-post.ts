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

/** Read a short text field from a urlencoded or multipart form body. */
export async function formFields(req: Request, names: string[]): Promise<Record<string, string> | undefined> {
  const length = Number(req.headers.get('content-length') ?? '0');
  if (length > 8192) return undefined;
  try {
    const form = await req.formData();
    const out: Record<string, string> = {};
    for (const name of names) {
      const v = form.get(name);
      out[name] = typeof v === 'string' ? v.slice(0, 1024) : '';
    }
    return out;
  } catch {
    return undefined;
  }
}

/** One cookie from a request's Cookie header. */
export function readCookieFrom(req: Request, name: string): string | undefined {
  return readCookie(req.headers.get('cookie'), name);
}
