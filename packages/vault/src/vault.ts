import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { createAuditLog } from './audit/audit-log.js';
import { openTokenCache } from './cache/open-token-cache.js';
import { createRedisClient } from './cache/redis-client.js';
import { createRedisClusterClient } from './cache/redis-cluster-client.js';
import type { ItemRef } from './cache/types.js';
import { parseConfig } from './config/parse-config.js';
import { type VaultConfig, type VaultConfigInput } from './types/config.js';
import { ConfigInvalidError } from './errors.js';
import type { VaultContext } from './context.js';
import { open } from './crypto/envelope.js';
import { deriveSubkey, type Keyring } from './crypto/keyring.js';
import { keyringOptionsFrom, loadKeyring } from './key-sources/load-keyring.js';
import { getItem, listItems } from './items/list.js';
import { putItem, putItemIfAbsent } from './items/put.js';
import { withToken } from './items/with-token.js';
import { keySourceOf, keySourcesIn } from './key-sources/key-variables.js';
import { lazyFeatures } from './lazy-features.js';
import { createDefaultLogger } from './logging/default-logger.js';
import { createStore } from './store/create-store.js';
import type { TokenStore } from './store/types.js';
import { systemClock, type Clock } from './types/clock.js';
import { type Logger } from './types/logger.js';
import type { PutItemInput } from './types/items.js';
import type { Vault } from './types/vault.js';
import type { FeatureParts, RootParts } from './wire-features.js';

/** Ready-made parts a caller may hand in instead of configuration (tests, custom hosting). */
export interface VaultParts extends FeatureParts {
  /** A ready store; the vault does not close a store it did not create. */
  store?: TokenStore;
  /** A ready keyring (else built from `keys` / `keysFile` / `keysCommand` / the development key). */
  keyring?: Keyring;
  /** A ready ioredis client (a `Redis`, or a `Cluster`) for L2 + invalidation; the vault does not close it. (`redis: null` in the config forces L1 only.) */
  redisClient?: Redis | Cluster;
  logger?: Logger;
  clock?: Clock;
  /** Apply pending migrations at start-up (default true). */
  migrate?: boolean;
  /** Identifies this instance in leases and audit rows (default: random). */
  instanceId?: string;
  /** Replay the rotation recovery journal before returning (default false). */
  recoverOnStart?: boolean;
}

export type CreateVaultOptions = VaultConfigInput & VaultParts & { config?: VaultConfig };

/**
 * Option names that are ready-made parts, not configuration (everything else
 * goes to parseConfig). Typed so that a new part cannot be forgotten here.
 */
const PART_FLAGS: Record<keyof VaultParts, true> = {
  store: true,
  keyring: true,
  redisClient: true,
  logger: true,
  clock: true,
  migrate: true,
  instanceId: true,
  recoverOnStart: true,
  plaidClient: true,
  plaidGateway: true,
  plaidRetry: true,
  rotation: true,
  onWebhook: true,
  onItemRemoved: true,
  metrics: true,
};
const PART_KEYS = new Set<string>(Object.keys(PART_FLAGS));

function split(options: Record<string, unknown>): { parts: VaultParts; input: VaultConfigInput } {
  const parts: Record<string, unknown> = {};
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) (PART_KEYS.has(key) ? parts : input)[key] = value;
  return { parts: parts as VaultParts, input: input as VaultConfigInput };
}

/**
 * Create a vault from explicit options (no environment is read).
 *
 * Keys are required (`keys`, `keysFile`, `keysCommand` or a `keyring`), unless `nodeEnv` is
 * given and is not `production`, in which case a development key is generated:
 * the library never decides on its own that it runs outside production.
 *
 * @example
 * const vault = await createVault({ database: 'sqlite:.data/vault.db', keys: process.env.VAULT_KEYS });
 * await vault.items.put({ userId, itemId, accessToken });
 * await vault.withToken({ userId, itemId, purpose: 'accounts.get' }, (token) => plaid.accountsGet({ access_token: token.reveal() }));
 */
export async function createVault(options: CreateVaultOptions = {}): Promise<Vault> {
  const { config, ...rest } = options;
  const { parts, input } = split(rest);
  if (!config && !parts.keyring && keySourcesIn(input).length === 0 && input.nodeEnv === undefined) {
    throw new ConfigInvalidError(
      'createVault needs keys: pass `keys` (kid:base64,...), `keysFile`, `keysCommand` or `keyring`; for a generated development key pass `nodeEnv: "development"`.',
    );
  }
  return assemble(config ?? parseConfig(input, {}), parts);
}

/**
 * Create a vault from environment variables (see the README's configuration
 * table). Only composition roots should pass `process.env`.
 */
export async function createVaultFromEnv(
  env: Record<string, string | undefined>,
  overrides: VaultConfigInput & VaultParts = {},
): Promise<Vault> {
  const { parts, input } = split(overrides as Record<string, unknown>);
  return assemble(parseConfig(input, env), parts);
}

async function assemble(config: VaultConfig, parts: VaultParts): Promise<Vault> {
  const logger = parts.logger ?? (await createDefaultLogger(config.logLevel));
  const clock = parts.clock ?? systemClock;
  const keyring = parts.keyring ?? loadKeyring({ ...keyringOptionsFrom(config), logger });

  const ownsStore = !parts.store;
  const store = parts.store ?? createStore({ ...config.database, logger });
  const ownedRedis = parts.redisClient
    ? null
    : config.redis
      ? await createRedisClient(config.redis.url, logger)
      : config.redisCluster
        ? await createRedisClusterClient(config.redisCluster, logger)
        : null;
  const redis = parts.redisClient ?? ownedRedis;

  try {
    if (parts.migrate ?? config.autoMigrate) await store.migrate();
  } catch (err) {
    if (ownsStore) await store.close().catch(() => {});
    ownedRedis?.disconnect();
    throw err;
  }

  const source = {
    async load(itemId: string) {
      const row = await store.getEnvelope(itemId);
      return row && { userId: row.userId, envelope: row.envelope, version: row.tokenVersion };
    },
    open: (envelope: Buffer, ref: ItemRef) => open(keyring, ref, envelope),
  };
  // [h13-kv] TCP Redis with its bus, serverless (KV REST or VAULT_SERVERLESS), or L1 alone: see open-token-cache.ts.
  const { cache, l2Health } = await openTokenCache({
    config,
    source,
    redis,
    hmacKey: deriveSubkey(keyring, 'plaid-vault/cache-key/v1'),
    logger,
    clock,
  }).catch(async (err: unknown) => {
    if (ownsStore) await store.close().catch(() => {});
    ownedRedis?.disconnect();
    throw err;
  });
  const audit = createAuditLog({ store, clock, logger, mode: config.audit.mode, strictTimeoutMs: config.audit.strictTimeoutMs });

  const ctx: VaultContext = {
    config,
    store,
    keyring,
    cache,
    audit,
    clock,
    logger,
    instanceId: parts.instanceId ?? `vault-${randomUUID()}`,
  };

  const put = (input: PutItemInput) => putItem(ctx, input);
  // A keyring handed in with no key source configured came from elsewhere; else the configuration says where.
  const keySource = parts.keyring && keySourceOf(config) === 'dev' ? 'keyring' : keySourceOf(config);
  // Plaid, link, data, webhooks, rotation, removal, keys, import, doctor: wired on the first call that needs them.
  const putIfAbsent = async (input: PutItemInput) => (await putItemIfAbsent(ctx, input)) !== undefined;
  const root: RootParts = { store, putIfAbsent, keySource, l2Health, ...(parts.redisClient && { redisClient: parts.redisClient }) };
  const features = lazyFeatures(async () => (await import('./wire-features.js')).wireFeatures(ctx, parts, root), parts.plaidGateway);
  const onFirstUse = features.vault;
  let closed = false;
  const vault: Vault = {
    items: {
      put,
      list: (userId) => listItems(ctx, userId),
      get: (ref) => getItem(ctx, ref),
      ...onFirstUse.items,
    },
    withToken: (use, fn) => withToken(ctx, use, fn),
    link: onFirstUse.link,
    data: onFirstUse.data,
    webhooks: onFirstUse.webhooks,
    recover: onFirstUse.recover,
    health: async () => {
      const database = await store.ping().then(
        () => 'ok' as const,
        () => 'down' as const,
      );
      const redisState = await l2Health();
      return { ok: database === 'ok', database, redis: redisState, plaid: features.plaidHealth() };
    },
    audit: {
      list: (query = {}) => audit.list(query),
      verify: (opts = {}) => audit.verify(opts),
      head: () => audit.head(),
      flush: () => audit.flush(),
    },
    // [h13-kv] Both, even when one fails: the audit log's failure is the one reported.
    flush: async () => {
      const [auditDone] = await Promise.allSettled([audit.flush(), cache.flush()]);
      if (auditDone.status === 'rejected') throw auditDone.reason;
    },
    keys: onFirstUse.keys,
    import: onFirstUse.import,
    doctor: onFirstUse.doctor,
    migrate: () => store.migrate(),
    stats: () => ({ cache: cache.stats(), audit: audit.stats() }),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        // Rejects (and logs how many events are lost) when the last flush fails; the rest still closes.
        await audit.close();
      } finally {
        await cache.close();
        await features.close();
        ownedRedis?.disconnect();
        if (ownsStore) await store.close();
      }
    },
  };
  if (parts.recoverOnStart) await onFirstUse.recover();
  if (!parts.metrics) return vault;
  const { instrumentRotations } = await import('./metrics/instrument.js');
  return instrumentRotations(vault, parts.metrics);
}
