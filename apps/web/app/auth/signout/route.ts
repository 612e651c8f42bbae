import { getServices } from '@/server/vault';
import { isSameOriginPost, readCookieFrom, seeOther, sessionCookieHeader } from '@/server/form-post';

export const runtime = 'nodejs';

/** Sign out: delete the session row (the cookie alone is then worthless) and clear the cookie. */
export async function POST(req: Request): Promise<Response> {
  if (!isSameOriginPost(req)) return new Response('Forbidden', { status: 403 });
  const { sessions } = await getServices();
  await sessions.end(readCookieFrom(req, sessions.cookieName));
  return seeOther('/signin', { 'set-cookie': sessionCookieHeader(sessions.cookieName, '', 0, sessions.secure) });
}
