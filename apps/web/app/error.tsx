'use client';

/** Any unexpected server error: a generic message (details stay in the server log, by digest). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card narrow" role="alert">
      <h1>Something went wrong</h1>
      <p>Please try again. If it keeps happening, quote reference {error.digest ?? 'n/a'}.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
