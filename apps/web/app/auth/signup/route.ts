import { getServices } from '@/server/vault';
import { formFields, isSameOriginPost, seeOther, sessionCookieHeader } from '@/server/form-post';

export const runtime = 'nodejs';

/** Create an account and sign it in. Errors come back as `?error=<reason>` on the form. */
export async function POST(req: Request): Promise<Response> {
  if (!isSameOriginPost(req)) return new Response('Forbidden', { status: 403 });
  const fields = await formFields(req, ['email', 'password']);
  if (!fields) return seeOther('/signup?error=invalid_email');
  const { sessions } = await getServices();
  const result = await sessions.signUp(fields.email ?? '', fields.password ?? '');
  if (!result.ok) return seeOther(`/signup?error=${result.error}`);
  const { cookie, maxAge } = await sessions.start(result.userId);
  return seeOther('/dashboard', { 'set-cookie': sessionCookieHeader(sessions.cookieName, cookie, maxAge, sessions.secure) });
}
