import type { AuditLog } from './audit/audit-log.js';
import type { TokenCache } from './cache/types.js';
import type { VaultConfig } from './types/config.js';
import type { Keyring } from './crypto/keyring.js';
import type { ItemStore, MarkerStore } from './store/types.js';
import type { Clock } from './types/clock.js';
import type { Logger } from './types/logger.js';

/**
 * What every feature module receives. Built once by createVault (vault.ts);
 * feature modules are `createX(ctx)` factories and never read process.env.
 */
export interface VaultContext {
  readonly config: VaultConfig;
  /** Items and markers; the audit chain is reached through `audit` only. */
  readonly store: ItemStore & MarkerStore;
  readonly keyring: Keyring;
  readonly cache: TokenCache;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Unique per vault instance (process): lease owner, audit actor default. */
  readonly instanceId: string;
}
