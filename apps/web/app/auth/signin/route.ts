import { getServices } from '@/server/vault';
import { clientAddressFrom } from '@/server/auth/client-address';
import { isSameOriginPost, payloadTooLarge, readFormFields, seeOther, sessionCookieHeader } from '@/server/form-post';

export const runtime = 'nodejs';

/** Sign in: a plain form POST (works without JavaScript), answered with a 303. */
export async function POST(req: Request): Promise<Response> {
  if (!isSameOriginPost(req)) return new Response('Forbidden', { status: 403 });
  const form = await readFormFields(req, ['email', 'password']);
  if (!form.ok) return form.reason === 'too_large' ? payloadTooLarge() : seeOther('/signin?error=invalid');
  const { sessions, settings } = await getServices();
  const client = clientAddressFrom(req.headers, settings.clientIpHeader);
  const result = await sessions.signIn(form.fields.email ?? '', form.fields.password ?? '', client);
  if (!result.ok && result.error === 'throttled') {
    // Whole minutes, rounded up: the page says "about N minutes"; the same for a known and an unknown email.
    return seeOther(`/signin?error=throttled&retry=${Math.ceil(result.retryAfterSeconds / 60)}`);
  }
  if (!result.ok && result.error === 'busy') return seeOther('/signin?error=busy');
  if (!result.ok) return seeOther('/signin?error=invalid');
  const { cookie, maxAge } = await sessions.start(result.userId);
  return seeOther('/dashboard', { 'set-cookie': sessionCookieHeader(sessions.cookieName, cookie, maxAge, sessions.secure) });
}
