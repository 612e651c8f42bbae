import Link from 'next/link';
import { authFormMessage } from '@/error-messages';

/** Sign-in and sign-up share one plain HTML form: it works before (and without) JavaScript. */
export function AuthForm({
  mode,
  error,
  retryMinutes,
}: {
  mode: 'signin' | 'signup';
  error: string | undefined;
  /** With `error=throttled`: about how long the lock still lasts. */
  retryMinutes?: number;
}) {
  const signUp = mode === 'signup';
  const message = error ? authFormMessage(error, retryMinutes) : undefined;
  return (
    <section className="card narrow">
      <h1>{signUp ? 'Create your account' : 'Sign in'}</h1>
      {message && (
        <p className="error" role="alert" id="form-error">
          {message}
        </p>
      )}
      <form action={signUp ? '/auth/signup' : '/auth/signin'} method="post" className="stack">
        <label htmlFor="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          aria-describedby={message ? 'form-error' : undefined}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete={signUp ? 'new-password' : 'current-password'}
          required
          minLength={signUp ? 8 : undefined}
          maxLength={1024}
        />
        {signUp && <p className="hint">At least 8 characters.</p>}
        <button type="submit">{signUp ? 'Create account' : 'Sign in'}</button>
      </form>
      <p>
        {signUp ? (
          <>
            Already have an account? <Link href="/signin">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/signup">Create an account</Link>
          </>
        )}
      </p>
    </section>
  );
}
