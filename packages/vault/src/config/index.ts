/**
 * `plaid-vault/config`: the configuration as a composition root reads it
 * before it builds a vault (the reference app does): `parseConfig` (pure;
 * createVault takes its result as `config`), and the facts it is built on that
 * a host needs too: which variables are key sources, how a database URL
 * reads, and the error a bad setting stops start-up with. No driver is loaded.
 */
export { parseConfig } from './parse-config.js';
export { ConfigInvalidError } from '../errors.js';
export { databaseDialect, sqliteFile, type DatabaseDialect } from './database-url.js';
export { KEY_SOURCE_VARIABLES } from '../key-sources/key-variables.js';
export type { VaultConfig, VaultConfigInput } from '../types/config.js';
