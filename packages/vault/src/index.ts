/**
 * plaid-vault: a server-side vault for Plaid access tokens.
 *
 * The package root exports only the factories, the errors and public types.
 * Driver-loading pieces live behind subpaths (`plaid-vault/http`, `plaid-vault/testing`).
 */
export { createVault, createVaultFromEnv, type CreateVaultOptions, type VaultParts } from './vault.js';
export * from './errors.js';
export type * from './types/index.js';
export { ITEM_STATUSES } from './types/items.js';
export { silentLogger } from './types/logger.js';
export { systemClock } from './types/clock.js';
export { Secret } from './crypto/secret.js';
export { readJsonLines } from './import/json-lines-source.js';
export { readPostgres } from './import/postgres-source.js';
