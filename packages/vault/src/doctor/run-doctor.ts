import type { Keyring } from '../crypto/keyring.js';
import type { KeySource } from '../key-sources/key-variables.js';
import type { DoctorReport } from '../types/admin.js';
import type { VaultConfig } from '../types/config.js';
import type { Logger } from '../types/logger.js';
import { configChecks } from './config-checks.js';
import { l2Ping, pendingRecoveryEntries } from './probes.js';
import { serviceChecks, type ServiceProbes } from './service-checks.js';

export interface DoctorDeps {
  config: Readonly<VaultConfig>;
  keyring: Keyring;
  /** The store as it is: the doctor never migrates (it reports pending migrations). */
  store: ServiceProbes['store'];
  keySource: KeySource | 'keyring';
  logger: Logger;
  /**
   * Answers when L2 does (a client handed to createVault); without it, L2 is
   * pinged over a fresh connection from the configuration, if any.
   */
  pingL2?: () => Promise<void>;
}

/**
 * `vault.doctor()`: the configuration checks, then the service checks
 * (database, migrations, L2, recovery journal, audit chain, kids, item health).
 * With a signal, it stops between the two (AbortSignal's own error).
 *
 * @example
 * const { ok, checks } = await runDoctor({ config, keyring, store, keySource: 'env', logger });
 */
export async function runDoctor(deps: DoctorDeps, opts: { signal?: AbortSignal } = {}): Promise<DoctorReport> {
  const { config, keyring } = deps;
  opts.signal?.throwIfAborted();
  const checks = configChecks({
    nodeEnv: config.nodeEnv,
    databaseUrl: config.database.url,
    redisUrl: config.redis?.url ?? config.kv?.url ?? null,
    redisCluster: config.redisCluster ? { tls: config.redisCluster.tls, hosts: config.redisCluster.nodes.map((n) => n.host) } : null,
    webhookUrl: config.plaid.webhookUrl ?? null,
    products: config.plaid.products,
    kids: keyring.kids,
    keySource: deps.keySource,
  });
  opts.signal?.throwIfAborted();
  const pingRedis = deps.pingL2 ?? l2Ping(config, deps.logger);
  checks.push(
    ...(await serviceChecks({
      store: deps.store,
      kids: keyring.kids,
      activeKid: keyring.activeKid,
      ...(pingRedis && { pingRedis }),
      pendingRecovery: () => pendingRecoveryEntries(config.recoveryDir, keyring),
    })),
  );
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
