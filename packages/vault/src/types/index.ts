/**
 * The public types, by area: what the package root exports. Types that only
 * the vault's own modules share (TokenStore, TokenCache, PlaidGateway,
 * VaultContext, ...) live beside their implementations instead.
 */
export type * from './audit.js';
export type * from './cache.js';
export type * from './clock.js';
export type * from './config.js';
export type * from './data.js';
export type * from './items.js';
export type * from './link.js';
export type * from './logger.js';
export type * from './rotation.js';
export type * from './vault.js';
export type * from './webhooks.js';
export type * from './admin.js';
