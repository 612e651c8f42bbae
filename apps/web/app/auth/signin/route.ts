import { getServices } from '@/server/vault';
import { formFields, isSameOriginPost, seeOther, sessionCookieHeader } from '@/server/form-post';

export const runtime = 'nodejs';

/** Sign in: a plain form POST (works without JavaScript), answered with a 303. */
export async function POST(req: Request): Promise<Response> {
  if (!isSameOriginPost(req)) return new Response('Forbidden', { status: 403 });
  const fields = await formFields(req, ['email', 'password']);
  if (!fields) return seeOther('/signin?error=invalid');
  const { sessions } = await getServices();
  const userId = await sessions.signIn(fields.email ?? '', fields.password ?? '');
  if (!userId) return seeOther('/signin?error=invalid');
  const { cookie, maxAge } = await sessions.start(userId);
  return seeOther('/dashboard', { 'set-cookie': sessionCookieHeader(sessions.cookieName, cookie, maxAge, sessions.secure) });
}
