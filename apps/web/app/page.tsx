import { redirect } from 'next/navigation';
import { currentUserId } from '@/server/current-user';

export default async function Home() {
  redirect((await currentUserId()) ? '/dashboard' : '/signin');
}
