/**
 * The vault's features wired onto the shared context: one Plaid gateway (the
 * only SDK user), rotation with its recovery journal, removal and local delete
 * (which take the rotation lease too), link and exchange, proxied reads,
 * webhooks, and the admin pieces (keys, import, doctor). Part of the
 * composition root with vault.ts, which loads this module on the first call
 * that needs it (lazy-features.ts): a cold token read loads none of it. No
 * feature folder builds another feature, so the folders stay free of cycles.
 */
import type { Cluster, Redis } from 'ioredis';
import type { PlaidApi } from 'plaid';
import type { VaultContext } from './context.js';
import { createDataReads } from './data/create-data.js';
import { runDoctor } from './doctor/run-doctor.js';
import { CacheUnavailableError } from './errors.js';
import { importItems } from './import/import-items.js';
import { deleteItem } from './items/delete.js';
import { exchangePublicToken } from './items/exchange.js';
import type { ItemLeaseOptions } from './items/item-lease.js';
import { createLinkToken } from './items/link.js';
import { removeItem, type RemoveItem } from './items/remove.js';
import { sandboxLink } from './items/sandbox-link.js';
import type { KeySource } from './key-sources/key-variables.js';
import { createKeyAdmin } from './keys/key-admin.js';
import { createSweepClient } from './keys/sweep-client.js';
import { instrumentPlaidGateway } from './metrics/instrument.js';
import type { VaultMetricsRecorder } from './metrics/types.js';
import { plaidApiFromConfig } from './plaid/client.js';
import { createPlaidGateway } from './plaid/gateway.js';
import type { RetryOptions } from './plaid/retry.js';
import type { PlaidGateway, PlaidHealth } from './plaid/types.js';
import type { TokenStore } from './store/types.js';
import { createRecoveryJournal } from './rotation/journal.js';
import { createRecovery } from './rotation/recovery.js';
import { createRotator, type RotationOptions } from './rotation/rotate.js';
import { rotateDue } from './rotation/rotate-due.js';
import { resolveRotationOptions } from './rotation/rotate-options.js';
import type { ItemRemovedHook, PutItemInput } from './types/items.js';
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

/** What vault.ts has made by the time the features load. */
export interface RootParts {
  /** The whole store (ctx.store is the part the features use): the admin pieces need more of it. */
  store: TokenStore;
  /** The vault's `items.put` for an item not stored yet; false, nothing written, when it is (import seals through it). */
  putIfAbsent(input: PutItemInput): Promise<boolean>;
  /** Where the keys came from, for the doctor. */
  keySource: KeySource | 'keyring';
  /** A client handed to createVault: the kid sweeps use it, and the doctor asks it (via `l2Health`) rather than the configuration. */
  redisClient?: Redis | Cluster;
  l2Health(): Promise<'ok' | 'down' | 'disabled'>;
}

export type Features = Pick<Vault, 'link' | 'data' | 'webhooks' | 'recover' | 'keys' | 'import' | 'doctor'> & {
  items: Pick<Vault['items'], 'rotate' | 'rotateDue' | 'remove' | 'delete'>;
  plaidHealth(): PlaidHealth;
  /** Close what the features opened (the kid sweeps' Redis client). */
  close(): Promise<void>;
};

/**
 * Build every feature on `ctx`. The SDK client is created on first use, so a
 * vault that never calls Plaid needs no Plaid settings.
 */
export function wireFeatures(ctx: VaultContext, parts: FeatureParts, root: RootParts): Features {
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
  const { config, keyring, logger } = ctx;
  const store = root.store;
  // Batch work on L2 (the kid sweeps) gets its own bounded client, opened on the first sweep.
  const sweepClient = createSweepClient(config, logger, root.redisClient);
  const sweep = { redis: () => sweepClient.get(), namespace: config.namespace, ttlSeconds: config.cache.l2TtlSeconds };
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
    keys: createKeyAdmin({ store, keyring, clock: ctx.clock, actor: ctx.instanceId, sweep }),
    import: (source, opts) => importItems({ store, putIfAbsent: root.putIfAbsent, plaid: gateway }, source, opts),
    doctor: (opts) =>
      runDoctor(
        {
          config,
          keyring,
          store,
          keySource: root.keySource,
          logger,
          // A client handed in is the L2: ask it, not the configuration (which may name none).
          ...(root.redisClient && {
            pingL2: async () => {
              if ((await root.l2Health()) !== 'ok') throw new CacheUnavailableError();
            },
          }),
        },
        opts,
      ),
    plaidHealth: () => gateway.health(),
    close: () => sweepClient.close(),
  };
}
