/**
 * plaid-vault: a server-side vault for Plaid access tokens.
 *
 * The package root exports only the factories, the errors and public types.
 * Driver-loading pieces live behind subpaths (`plaid-vault/http`, `plaid-vault/testing`).
 */
export { createVault, createVaultFromEnv, type CreateVaultOptions, type VaultParts } from './vault.js';
export * from './errors.js';
export type * from './types.js';
export { ITEM_STATUSES, silentLogger, systemClock } from './types.js';
export type * from './vault-types.js';
export type * from './data-view-types.js';
export { Secret } from './crypto/secret.js';
export type { VaultConfig, VaultConfigInput } from './config.js';
