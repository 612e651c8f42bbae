import type { PlaidApi } from 'plaid';
import type { VaultContext } from '../context.js';
import { ConfigInvalidError } from '../errors.js';
import { createDataReads } from '../data/create-data.js';
import { createRecoveryJournal } from '../rotation/journal.js';
import { createLinkToken } from '../items/link.js';
import { exchangePublicToken } from '../items/exchange.js';
import { createRecovery } from '../rotation/recovery.js';
import { deleteItem } from '../items/delete.js';
import type { ItemLeaseOptions } from '../items/item-lease.js';
import { removeItem, type RemoveItem } from '../items/remove.js';
import { resolveRotationOptions } from '../rotation/rotate-options.js';
import { rotateDue } from '../rotation/rotate-due.js';
import { createRotator, type RotationOptions } from '../rotation/rotate.js';
import { sandboxLink } from '../items/sandbox-link.js';
import type { Vault } from '../types/vault.js';
import { createWebhookHandler, type WebhookHook } from '../webhooks/handle.js';
import { createPlaidApi } from './client.js';
import { createPlaidGateway } from './gateway.js';
import { instrumentPlaidGateway } from '../metrics/instrument.js';
import type { VaultMetricsRecorder } from '../metrics/types.js';
import type { RetryOptions } from './retry.js';
import type { PlaidGateway, PlaidHealth } from './types.js';

/** createVault options for the Plaid features (`plaid` itself is the configuration block). */
export interface PlaidFeatureParts {
  /** A ready SDK client (custom transport); else one is built from `config.plaid` on first use. */
  plaidClient?: PlaidApi;
  /** Or a ready gateway (failure-injecting wrappers in tests). */
  plaidGateway?: PlaidGateway;
  /** Back-off of retried Plaid reads. */
  plaidRetry?: RetryOptions;
  rotation?: RotationOptions;
  /** Called after the vault acted on a verified webhook. */
  onWebhook?: WebhookHook;
  /** Records Plaid latency/errors and rotations (e.g. `createVaultMetrics()` from `plaid-vault/http`). */
  metrics?: VaultMetricsRecorder;
}

export type PlaidFeatures = Pick<Vault, 'link' | 'data' | 'webhooks' | 'recover'> & {
  items: Pick<Vault['items'], 'rotate' | 'rotateDue' | 'remove' | 'delete'>;
  plaidHealth(): PlaidHealth;
};

/**
 * Everything issue 5 adds to the vault, built on the shared context: one
 * gateway (the only SDK user), link/exchange, proxied reads, rotation with its
 * recovery journal, removal (and local delete, which shares its lease with
 * rotation) and webhooks. The SDK client is created on first
 * use, so a vault that never calls Plaid needs no Plaid settings.
 */
export function createPlaidFeatures(ctx: VaultContext, parts: PlaidFeatureParts = {}): PlaidFeatures {
  const cfg = ctx.config.plaid;
  const baseGateway =
    parts.plaidGateway ??
    createPlaidGateway({
      api:
        parts.plaidClient ??
        (() => {
          // The emulator is started by a composition root (web app, CLI), never by the library.
          if (cfg.env === 'emulator' && !cfg.baseUrl)
            throw new ConfigInvalidError('PLAID_ENV=emulator needs PLAID_BASE_URL (the plaid-sandbox address).', {
              details: { variable: 'PLAID_BASE_URL' },
            });
          return createPlaidApi({ env: cfg.env, clientId: cfg.clientId ?? '', secret: cfg.secret ?? '', baseUrl: cfg.baseUrl ?? null });
        }),
      ...(parts.plaidRetry && { retry: parts.plaidRetry }),
    });
  const gateway = parts.metrics ? instrumentPlaidGateway(baseGateway, parts.metrics) : baseGateway;
  const journal = createRecoveryJournal(ctx.config.recoveryDir, ctx.keyring);
  const rotator = createRotator(ctx, gateway, journal, parts.rotation);
  const recovery = createRecovery(ctx, gateway, journal, () => rotator.inFlight());
  // Removal and local delete take the rotation lease too, so neither ever overlaps a rotation.
  const rotation = resolveRotationOptions(parts.rotation ?? {});
  const lease: ItemLeaseOptions = {
    leaseMs: rotation.leaseMs,
    waitMs: rotation.removeWaitMs,
    pollMs: rotation.pollMs,
    sleep: rotation.sleep,
    rotationRunning: (itemId) => rotator.running(itemId),
  };
  const remove: RemoveItem = (ref) => removeItem(ctx, { plaid: gateway, lease, recovery }, ref);
  const data = createDataReads(ctx, gateway);
  return {
    link: {
      createLinkToken: (input) => createLinkToken(ctx, gateway, input),
      exchange: (input) => exchangePublicToken(ctx, gateway, remove, input),
      sandboxLink: (input) => sandboxLink(ctx, gateway, remove, input),
    },
    data,
    webhooks: { handle: createWebhookHandler(ctx, gateway, remove, parts.onWebhook) },
    items: {
      rotate: (ref) => rotator.rotate(ref),
      rotateDue: (opts) => rotateDue(ctx, rotator, opts),
      remove,
      delete: (ref) => deleteItem(ctx, lease, ref),
    },
    recover: () => recovery.recover(),
    plaidHealth: () => gateway.health(),
  };
}
