import type { VaultConfig } from '../types/config.js';
import type { BatchCacheClient } from '../cache/batch-redis-client.js';
import type { Keyring } from '../crypto/keyring.js';
import type { TokenStore } from '../store/types.js';
import type { Logger } from '../types/logger.js';
import type { Vault } from '../types/vault.js';
import type { VaultParts } from '../vault.js';
import type { CliIo } from './cli-io.js';
import { createStderrLogger } from '../logging/stderr-logger.js';

/**
 * What commands build on, opened lazily and once: a command that only needs
 * the keyring never connects to the database. Modules are imported on first
 * use too: the configuration pulls in the Plaid SDK, which alone costs a
 * second of start-up that `keygen` or `--help` should not pay.
 * Everything opened here is closed by `close()`, which run-cli calls after every command.
 */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Short lines on stderr (fields with --debug), unless a command chose another with `useLogger`. */
  readonly logger: Logger;
  /**
   * Log through `logger` from now on, for what this runtime opens too (the
   * store, the vault). Long-running commands (`serve`) switch to JSON lines at
   * VAULT_LOG_LEVEL; it must happen before anything is opened, or the parts
   * opened earlier would keep the old logger.
   */
  useLogger(logger: Logger): void;
  config(): Promise<Readonly<VaultConfig>>;
  keyring(): Promise<Keyring>;
  /**
   * The store, for commands that read or write data: the keyring is checked
   * first (fail closed, as the library does at start-up) and migrations are
   * applied when VAULT_AUTO_MIGRATE is on (the default), as the library does.
   */
  store(): Promise<TokenStore>;
  /** The store as it is: no key check, no migrations (migrate --status, doctor). */
  rawStore(): Promise<TokenStore>;
  /** A vault sharing this runtime's store and keyring; migrations follow VAULT_AUTO_MIGRATE. */
  vault(extra?: Pick<VaultParts, 'metrics'>): Promise<Vault>;
  /**
   * A Redis client for batch work (connects once, bounded commands), a Cluster
   * one with VAULT_REDIS_CLUSTER_NODES, or null when no L2 is set; rejects
   * with ERR_CACHE_UNAVAILABLE when Redis does not answer.
   * [h13-kv] With a KV REST API, a client over it (same commands, each bounded).
   */
  redis(): Promise<BatchCacheClient | null>;
  /** Run `fn` when the runtime closes (servers, clients a command opened itself). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export function createRuntime(io: CliIo, opts: { debug: boolean }): Runtime {
  let logger = createStderrLogger({ stream: io.stderr, format: 'text', level: opts.debug ? 'debug' : 'warn', fields: opts.debug });
  const closers: (() => Promise<void> | void)[] = [];
  let config: Promise<Readonly<VaultConfig>> | undefined;
  let keyring: Promise<Keyring> | undefined;
  let raw: Promise<TokenStore> | undefined;
  let ready: Promise<TokenStore> | undefined;
  let vault: Promise<Vault> | undefined;
  let redis: Promise<BatchCacheClient | null> | undefined;

  const runtime: Runtime = {
    env: io.env,
    get logger() {
      return logger;
    },
    useLogger(next) {
      if (keyring || raw || vault) throw new Error('useLogger must be called before the runtime opens anything.');
      logger = next;
    },
    config() {
      config ??= import('../config/parse-config.js').then(({ parseConfig }) => parseConfig({}, io.env));
      return config;
    },
    keyring() {
      // Once per invocation: a VAULT_KEYS_COMMAND runs here and nowhere else (vault() reuses this keyring).
      keyring ??= Promise.all([runtime.config(), import('../key-sources/load-keyring.js')]).then(
        ([c, { keyringOptionsFrom, loadKeyring }]) => loadKeyring({ ...keyringOptionsFrom(c), logger }),
      );
      return keyring;
    },
    rawStore() {
      raw ??= Promise.all([runtime.config(), import('../store/create-store.js')]).then(([c, { createStore }]) =>
        createStore({ ...c.database, logger }),
      );
      return raw;
    },
    store() {
      ready ??= (async () => {
        const c = await runtime.config();
        await runtime.keyring();
        const s = await runtime.rawStore();
        if (c.autoMigrate) await s.migrate();
        return s;
      })();
      return ready;
    },
    vault(extra = {}) {
      vault ??= Promise.all([runtime.store(), runtime.keyring(), import('../vault.js')]).then(([s, k, { createVaultFromEnv }]) =>
        // Migrations already ran (or were declined) in store().
        createVaultFromEnv(io.env, { ...extra, store: s, keyring: k, logger, instanceId: `cli-${process.pid}`, migrate: false }),
      );
      return vault;
    },
    redis() {
      redis ??= Promise.all([runtime.config(), import('../cache/batch-redis-client.js')]).then(
        async ([c, { connectBatchRedis, connectBatchKv }]) => {
          if (c.kv) return connectBatchKv(c.kv, runtime.logger);
          if (c.redis) return connectBatchRedis(c.redis.url);
          if (c.redisCluster) return (await import('../cache/redis-cluster-client.js')).connectBatchRedisCluster(c.redisCluster);
          return null;
        },
      );
      return redis;
    },
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.reverse()) await Promise.resolve(fn()).catch(() => {});
      const v = await vault?.catch(() => undefined);
      await v?.close().catch(() => {});
      const r = await redis?.catch(() => null);
      r?.disconnect();
      const s = await raw?.catch(() => undefined);
      await s?.close().catch(() => {});
    },
  };
  return runtime;
}
