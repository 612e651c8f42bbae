/** Runs once when the Next.js server starts (a composition root: it may read process.env). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { installShutdown } = await import('./src/server/shutdown');
  installShutdown(Boolean(process.env.NEXT_MANUAL_SIG_HANDLE));
}
