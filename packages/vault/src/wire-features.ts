/**
 * The vault's features wired onto the shared context: one Plaid gateway (the
 * only SDK user), rotation with its recovery journal, removal and local delete
 * (which take the rotation lease too), link and exchange, proxied reads and
 * webhooks. Part of the composition root with vault.ts: no feature folder
 * builds another feature, so the folders stay free of cycles.
 */
import type { PlaidApi } from 'plaid';
import type { VaultContext } from './context.js';
import { createDataReads } from './data/create-data.js';
import { deleteItem } from './items/delete.js';
import { exchangePublicToken } from './items/exchange.js';
import type { ItemLeaseOptions } from './items/item-lease.js';
import { createLinkToken } from './items/link.js';
import { removeItem, type RemoveItem } from './items/remove.js';
import { sandboxLink } from './items/sandbox-link.js';
import { instrumentPlaidGateway } from './metrics/instrument.js';
import type { VaultMetricsRecorder } from './metrics/types.js';
import { plaidApiFromConfig } from './plaid/client.js';
import { createPlaidGateway } from './plaid/gateway.js';
import type { RetryOptions } from './plaid/retry.js';
import type { PlaidGateway, PlaidHealth } from './plaid/types.js';
import { createRecoveryJournal } from './rotation/journal.js';
import { createRecovery } from './rotation/recovery.js';
import { createRotator, type RotationOptions } from './rotation/rotate.js';
import { rotateDue } from './rotation/rotate-due.js';
import { resolveRotationOptions } from './rotation/rotate-options.js';
import type { ItemRemovedHook } from './types/items.js';
import type { Vault } from './types/vault.js';
import { createWebhookHandler, type WebhookHook } from './webhooks/handle.js';

/** createVault parts for the features (`plaid` itself is the configuration block). */
export interface FeatureParts {
  /** A ready SDK client (custom transport); else one is built from `config.plaid` on first use. */
  plaidClient?: PlaidApi;
  /** Or a ready gateway (failure-injecting wrappers in tests). */
  plaidGateway?: PlaidGateway;
  /** Back-off of retried Plaid reads. */
  plaidRetry?: RetryOptions;
  rotation?: RotationOptions;
  /** Called after the vault acted on a verified webhook. */
  onWebhook?: WebhookHook;
  /** Called once an item is gone, by any path (remove, delete, a replaced duplicate, a revoked consent). */
  onItemRemoved?: ItemRemovedHook;
  /** Records Plaid latency/errors and rotations (e.g. `createVaultMetrics()` from `plaid-vault/http`). */
  metrics?: VaultMetricsRecorder;
}

export type Features = Pick<Vault, 'link' | 'data' | 'webhooks' | 'recover'> & {
  items: Pick<Vault['items'], 'rotate' | 'rotateDue' | 'remove' | 'delete'>;
  plaidHealth(): PlaidHealth;
  /** The one gateway, for what the root wires beside the features (import's verify). */
  gateway: PlaidGateway;
};

/**
 * Build every feature on `ctx`. The SDK client is created on first use, so a
 * vault that never calls Plaid needs no Plaid settings.
 */
export function wireFeatures(ctx: VaultContext, parts: FeatureParts = {}): Features {
  const baseGateway =
    parts.plaidGateway ??
    createPlaidGateway({
      api: parts.plaidClient ?? (() => plaidApiFromConfig(ctx.config.plaid)),
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
  const onRemoved = parts.onItemRemoved;
  const remove: RemoveItem = (ref) => removeItem(ctx, { plaid: gateway, lease, recovery, onRemoved }, ref);
  return {
    link: {
      createLinkToken: (input) => createLinkToken(ctx, gateway, input),
      exchange: (input) => exchangePublicToken(ctx, gateway, remove, input),
      sandboxLink: (input) => sandboxLink(ctx, gateway, remove, input),
    },
    data: createDataReads(ctx, gateway),
    webhooks: { handle: createWebhookHandler(ctx, gateway, remove, parts.onWebhook) },
    items: {
      rotate: (ref) => rotator.rotate(ref),
      rotateDue: (opts) => rotateDue(ctx, rotator, opts),
      remove,
      delete: (ref) => deleteItem(ctx, { lease, onRemoved }, ref),
    },
    recover: () => recovery.recover(),
    plaidHealth: () => gateway.health(),
    gateway,
  };
}
