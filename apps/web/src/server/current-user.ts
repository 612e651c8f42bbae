import 'server-only';
import { cookies } from 'next/headers';
import { connection } from 'next/server';
import { redirect } from 'next/navigation';
import { getServices } from './vault';

/** The signed-in user's id, or undefined. */
export async function currentUserId(): Promise<string | undefined> {
  // Per-request by nature; also keeps `next build` from prerendering (and starting the vault).
  await connection();
  const { sessions } = await getServices();
  const jar = await cookies();
  return sessions.userIdFromCookie(jar.get(sessions.cookieName)?.value);
}

/** The signed-in user's id; anyone else is sent to the sign-in page. */
export async function requireUserId(): Promise<string> {
  const userId = await currentUserId();
  if (!userId) redirect('/signin');
  return userId;
}
