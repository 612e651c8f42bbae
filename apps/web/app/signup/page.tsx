import { redirect } from 'next/navigation';
import { AuthForm } from '@/components/auth-form';
import { currentUserId } from '@/server/current-user';

export default async function Page({ searchParams }: { searchParams: Promise<{ error?: string; retry?: string }> }) {
  if (await currentUserId()) redirect('/dashboard');
  const { error, retry } = await searchParams;
  return (
    <AuthForm
      mode="signup"
      error={typeof error === 'string' ? error : undefined}
      retryMinutes={typeof retry === 'string' ? Number(retry) : undefined}
    />
  );
}
