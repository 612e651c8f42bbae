import type { VaultConfig } from '../types/config.js';
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
  /** The store as it is: no key check, no migrations (migrate --status). */
  rawStore(): Promise<TokenStore>;
  /**
   * A vault sharing this runtime's store and keyring; migrations follow
   * VAULT_AUTO_MIGRATE, unless `migrate: false` (doctor: it reports pending
   * migrations instead). Opened once: the first call's options hold.
   */
  vault(extra?: Pick<VaultParts, 'metrics' | 'migrate'>): Promise<Vault>;
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
    vault({ migrate, ...extra } = {}) {
      // store() checks the keyring first and migrates; with migrate: false the keyring is still checked first.
      vault ??= Promise.all([
        migrate === false ? runtime.keyring().then(() => runtime.rawStore()) : runtime.store(),
        runtime.keyring(),
        import('../vault.js'),
      ]).then(([s, k, { createVaultFromEnv }]) =>
        createVaultFromEnv(io.env, { ...extra, store: s, keyring: k, logger, instanceId: `cli-${process.pid}`, migrate: false }),
      );
      return vault;
    },
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.reverse()) await Promise.resolve(fn()).catch(() => {});
      const v = await vault?.catch(() => undefined);
      await v?.close().catch(() => {});
      const s = await raw?.catch(() => undefined);
      await s?.close().catch(() => {});
    },
  };
  return runtime;
}
