import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler } from './admin/admin-routes.js';
import { createFaults } from './faults/faults.js';
import { createRequestHandler } from './http/handle-request.js';
import { createLinkHandler } from './link/link-http.js';
import { ROUTES } from './routes/index.js';
import type { SandboxContext } from './routes/route.js';
import { loadState, saveState } from './state/persist.js';
import { createSandboxState } from './state/sandbox-state.js';
import { SandboxStore } from './state/sandbox-store.js';
import { createTransactionsPulls, type PullTiming } from './state/transactions-pull.js';
import type { Sandbox, SandboxOptions } from './types.js';
import { WebhookDeliverer } from './webhooks/deliverer.js';
import { WebhookSigner } from './webhooks/signer.js';

/** The credentials the emulator accepts when none are given: public, documented test values. */
export const DEFAULT_CREDENTIALS = Object.freeze({ clientId: 'test_client_id', secret: 'test_secret' });

function pullTiming(opts: SandboxOptions): PullTiming {
  const initialMs = opts.initialPullDelayMs ?? 0;
  const historicalMs = opts.historicalPullDelayMs ?? initialMs * 2;
  if (!(Number.isFinite(initialMs) && initialMs >= 0)) throw new TypeError('initialPullDelayMs must be a number >= 0');
  if (!(Number.isFinite(historicalMs) && historicalMs >= initialMs))
    throw new TypeError('historicalPullDelayMs must be a number >= initialPullDelayMs');
  return { initialMs, historicalMs };
}

/**
 * Starts an offline Plaid API emulator that the official `plaid` SDK talks to unchanged.
 *
 * @example
 * const sb = await startSandbox();
 * const plaid = new PlaidApi(new Configuration({
 *   basePath: sb.url,
 *   baseOptions: { headers: { 'PLAID-CLIENT-ID': sb.clientId, 'PLAID-SECRET': sb.secret } },
 * }));
 * // ... then: await sb.close();
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const clock = opts.clock ?? { now: () => new Date() };
  const now = () => clock.now();
  const credentials = { clientId: opts.clientId ?? DEFAULT_CREDENTIALS.clientId, secret: opts.secret ?? DEFAULT_CREDENTIALS.secret };
  const persisted = opts.persistPath ? loadState(opts.persistPath) : undefined;
  const store = new SandboxStore(persisted?.store);
  const signer = new WebhookSigner(now, persisted?.webhookKeys);
  const webhooks = new WebhookDeliverer(signer, opts.webhookBaseOverride);
  const persist = () => {
    if (store.takeDirty() && opts.persistPath) {
      saveState(opts.persistPath, { version: 1, store: store.snapshot(), webhookKeys: signer.export() });
    }
  };
  const pulls = createTransactionsPulls({ store, now, webhooks, timing: pullTiming(opts), afterChange: persist });
  const ctx: SandboxContext = { store, now, webhooks, signer, pulls };
  const counters = new Map<string, number>();
  const faults = createFaults();

  const state = createSandboxState(ctx, counters, persist);
  const onInternalError = opts.onInternalError ?? ((err: unknown) => console.error('plaid-sandbox: internal error', err));

  const server = createServer(
    { keepAlive: true },
    createRequestHandler({
      ctx,
      routes: ROUTES,
      faults,
      credentials,
      counters,
      ...(opts.admin && { admin: createAdminHandler(faults, state) }),
      link: createLinkHandler(ctx, persist),
      afterCall: persist,
      onInternalError,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      pulls.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
      await webhooks.drain();
      persist();
    })());

  return {
    url: `http://${host}:${address.port}`,
    clientId: credentials.clientId,
    secret: credentials.secret,
    close,
    faults,
    state,
    signWebhook: (body, signOpts) => signer.sign(body, signOpts),
    webhookKey: () => signer.publicKey(signer.activeKid)!,
  };
}
