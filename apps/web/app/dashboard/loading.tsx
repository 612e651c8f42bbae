/** Shown while the dashboard asks each bank for its accounts. */
export default function Loading() {
  return (
    <>
      <h1>Your banks</h1>
      <p className="card muted" role="status" aria-live="polite">
        Loading your banks and balances…
      </p>
    </>
  );
}
