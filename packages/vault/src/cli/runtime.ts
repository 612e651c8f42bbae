import { parseConfig, type VaultConfig } from '../config.js';
import { loadKeyring, type Keyring } from '../crypto/keyring.js';
import { createStore } from '../store/create-store.js';
import type { TokenStore } from '../store/types.js';
import type { Logger } from '../types.js';
import { createVaultFromEnv } from '../vault.js';
import type { Vault } from '../vault-types.js';
import type { CliIo } from './command.js';
import { createStderrLogger } from './stderr-logger.js';

/**
 * What commands build on, opened lazily and once: a command that only needs
 * the keyring never connects to the database. Everything opened here is
 * closed by `close()`, which run-cli calls after every command.
 */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  config(): VaultConfig;
  keyring(): Keyring;
  /** The store, not migrated. */
  store(): TokenStore;
  /** A vault sharing this runtime's store and keyring. `migrate` follows the config unless given. */
  vault(opts?: { migrate?: boolean }): Promise<Vault>;
  /** Run `fn` when the runtime closes (servers, clients a command opened itself). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export function createRuntime(io: CliIo, opts: { debug: boolean }): Runtime {
  const logger = createStderrLogger(io.stderr, opts.debug);
  const closers: (() => Promise<void> | void)[] = [];
  let config: VaultConfig | undefined;
  let keyring: Keyring | undefined;
  let store: TokenStore | undefined;
  let vault: Promise<Vault> | undefined;

  const runtime: Runtime = {
    env: io.env,
    logger,
    config() {
      config ??= parseConfig({}, io.env);
      return config;
    },
    keyring() {
      const c = runtime.config();
      keyring ??= loadKeyring({ keys: c.keys, keysFile: c.keysFile, nodeEnv: c.nodeEnv, devKeyFile: c.devKeyFile, logger });
      return keyring;
    },
    store() {
      if (!store) {
        const c = runtime.config();
        store = createStore({ url: c.database.url, schema: c.database.schema, logger });
      }
      return store;
    },
    vault(options = {}) {
      vault ??= createVaultFromEnv(io.env, {
        store: runtime.store(),
        keyring: runtime.keyring(),
        logger,
        instanceId: `cli-${process.pid}`,
        ...(options.migrate !== undefined && { migrate: options.migrate }),
      });
      return vault;
    },
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.reverse()) await Promise.resolve(fn()).catch(() => {});
      if (vault) await (await vault.catch(() => undefined))?.close().catch(() => {});
      await store?.close().catch(() => {});
    },
  };
  return runtime;
}
