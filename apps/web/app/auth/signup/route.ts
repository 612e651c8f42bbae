import { getServices } from '@/server/vault';
import { clientAddressFrom } from '@/server/auth/client-address';
import { isSameOriginPost, payloadTooLarge, readFormFields, seeOther, sessionCookieHeader } from '@/server/form-post';

export const runtime = 'nodejs';

/** Create an account and sign it in. Errors come back as `?error=<reason>` on the form. */
export async function POST(req: Request): Promise<Response> {
  if (!isSameOriginPost(req)) return new Response('Forbidden', { status: 403 });
  const form = await readFormFields(req, ['email', 'password']);
  if (!form.ok) return form.reason === 'too_large' ? payloadTooLarge() : seeOther('/signup?error=invalid_email');
  const { sessions, settings } = await getServices();
  const client = clientAddressFrom(req.headers, settings.clientIpHeader);
  const result = await sessions.signUp(form.fields.email ?? '', form.fields.password ?? '', client);
  if (!result.ok && result.error === 'limited') {
    return seeOther(`/signup?error=signup_limited&retry=${Math.ceil(result.retryAfterSeconds / 60)}`);
  }
  if (!result.ok) return seeOther(`/signup?error=${result.error}`);
  const { cookie, maxAge } = await sessions.start(result.userId);
  return seeOther('/dashboard', { 'set-cookie': sessionCookieHeader(sessions.cookieName, cookie, maxAge, sessions.secure) });
}
