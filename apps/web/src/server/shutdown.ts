import { SERVICES_KEY, type Closable } from './services-key';

const GRACE_MS = 5000;

/**
 * On SIGINT/SIGTERM, close the app's services before exiting: the vault
 * flushes its buffered audit events (every token use must be on record) and
 * the database and emulator shut down cleanly. Installed only when Next leaves
 * signals to the app (NEXT_MANUAL_SIG_HANDLE, which the standalone server, scripts/server.js, sets).
 */
export function installShutdown(manualSignals: boolean): void {
  if (!manualSignals) return;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return; // a second signal (e.g. the parent forwarding it) must not cut the flush short
    closing = true;
    setTimeout(() => process.exit(1), GRACE_MS).unref();
    const pending = (globalThis as { [SERVICES_KEY]?: Promise<Closable> })[SERVICES_KEY];
    void Promise.resolve(pending)
      .then((services) => services?.close())
      .catch((err: unknown) => console.error('[plaid-vault web] shutdown:', err instanceof Error ? err.name : 'error'))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
