import { isVaultError } from '../errors.js';
import { keyUsage } from '../keys/key-usage.js';
import type { AuditStore, ItemStore, StoreLifecycle } from '../store/types.js';
import { fail, pass, warn, type CheckResult } from './check.js';

export interface ServiceProbes {
  store: Pick<StoreLifecycle, 'ping' | 'migrationStatus'> &
    Pick<ItemStore, 'countByKid' | 'countItems'> &
    Pick<AuditStore, 'auditRowOutsideChain'>;
  kids: readonly string[];
  activeKid: string;
  /** Resolves when Redis answers PING; absent when Redis is not configured. */
  pingRedis?: () => Promise<void>;
  /** Entries waiting in the rotation recovery journal. */
  pendingRecovery: () => Promise<number>;
}

/**
 * Checks that talk to the database, Redis and the recovery journal. The
 * database checks after `database` are skipped when it is down: one fail line
 * with its fix says more than five.
 */
export async function serviceChecks(p: ServiceProbes): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const databaseUp = await p.store.ping().then(
    () => true,
    () => false,
  );
  results.push(
    databaseUp
      ? pass('database', 'database reachable')
      : fail('database', 'database unreachable', 'check VAULT_DATABASE_URL and that the database is running'),
  );
  if (p.pingRedis) {
    const redisUp = await p.pingRedis().then(
      () => true,
      () => false,
    );
    // The cache falls back to the database, so a down Redis slows the vault but does not break it.
    results.push(
      redisUp
        ? pass('redis', 'Redis reachable')
        : warn(
            'redis',
            'Redis unreachable: running on the L1 cache and the database',
            'check VAULT_REDIS_URL (or VAULT_REDIS_CLUSTER_NODES) and that Redis is running',
          ),
    );
  }
  results.push(await recoveryCheck(p));
  if (!databaseUp) return results;

  const migrations = await p.store.migrationStatus();
  const pending = migrations.filter((m) => m.executedAt === null).map((m) => m.name);
  results.push(
    pending.length === 0
      ? pass('migrations', `${migrations.length} migration(s) applied`)
      : fail('migrations', `${pending.length} migration(s) pending`, 'run plaid-vault migrate'),
  );
  if (pending.length > 0) return results;

  results.push(await auditChainCheck(p));
  results.push(await kidsCheck(p));
  results.push(await itemHealthCheck(p));
  return results;
}

/**
 * A row outside the chain blocks every audit append (the vault refuses to
 * adopt or overwrite it), so events pile up in memory and strict mode refuses
 * token use. Two index probes: the full walk is `plaid-vault audit verify`.
 */
async function auditChainCheck(p: ServiceProbes): Promise<CheckResult> {
  const seq = await p.store.auditRowOutsideChain();
  if (seq === undefined) return pass('audit_chain', 'no audit rows outside the chain (full walk: plaid-vault audit verify)');
  return fail(
    'audit_chain',
    `audit row at seq ${seq} is outside the chain (${seq < 1 ? 'before its start' : 'beyond its head'}): the vault did not write it, and audit appends are blocked`,
    'run plaid-vault audit verify, keep a copy of the rows as evidence, then plaid-vault audit quarantine to move them aside',
  );
}

async function recoveryCheck(p: ServiceProbes): Promise<CheckResult> {
  try {
    const entries = await p.pendingRecovery();
    if (entries === 0) return pass('recovery_journal', 'recovery journal is empty');
    return fail('recovery_journal', `${entries} rotation(s) waiting in the recovery journal`, 'run plaid-vault recover');
  } catch (err) {
    return fail(
      'recovery_journal',
      `recovery journal unreadable (${isVaultError(err) ? err.code : 'error'})`,
      'check VAULT_RECOVERY_DIR exists and is readable by this user',
    );
  }
}

async function kidsCheck(p: ServiceProbes): Promise<CheckResult> {
  const usage = await keyUsage(p.store, p.kids, p.activeKid);
  const orphaned = usage.filter((u) => !u.inKeyring && u.rows > 0);
  if (orphaned.length > 0) {
    const list = orphaned.map((u) => `${u.kid} (${u.rows})`).join(', ');
    return fail(
      'kids',
      `rows under kids missing from the keyring: ${list}; they cannot be decrypted`,
      'put the missing keys back into VAULT_KEYS, then run plaid-vault rekey',
    );
  }
  const old = usage.filter((u) => !u.active && u.rows > 0);
  if (old.length > 0) {
    const list = old.map((u) => `${u.kid} (${u.rows})`).join(', ');
    return warn('kids', `rows still under older kids: ${list}`, 'run plaid-vault rekey');
  }
  const active = usage.find((u) => u.active);
  return pass('kids', `all ${active?.rows ?? 0} item(s) under the active kid ${p.activeKid}`);
}

async function itemHealthCheck(p: ServiceProbes): Promise<CheckResult> {
  const [login, relink] = await Promise.all([
    p.store.countItems({ status: 'login_required' }),
    p.store.countItems({ status: 'relink_required' }),
  ]);
  if (login + relink === 0) return pass('item_health', 'no items need the user');
  return warn(
    'item_health',
    `${login} item(s) login_required, ${relink} relink_required`,
    'ask those users to relink (Link update mode); list them with plaid-vault items list --status login_required',
  );
}
