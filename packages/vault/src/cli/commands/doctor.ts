import { fail, type CheckResult } from '../../doctor/check.js';
import { configChecks } from '../../doctor/config-checks.js';
import { keySourceOf } from '../../key-sources/key-variables.js';
import { serviceChecks } from '../../doctor/service-checks.js';
import { isVaultError } from '../../errors.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { pendingRecoveryEntries, pingRedis, pingRedisCluster } from '../probes.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check a deployment: pass/warn/fail lines with a fix for each',
  help: `Usage: plaid-vault doctor

Checks the deployment described by the environment and prints one line per
check: pass, warn or fail, with the fix for each warn and fail.

  configuration   the variables parse (names the variable to fix)
  keys            a key source set (VAULT_KEYS, VAULT_KEYS_FILE or VAULT_KEYS_COMMAND;
                  not the development key), 32-byte keys, how many
  node_env        NODE_ENV=production
  database_tls    PostgreSQL URL requires TLS in production
  redis_tls       Redis URL (or cluster nodes) rediss:// in production
  products        least privilege: no product beyond what the app uses
  webhook_url     PLAID_WEBHOOK_URL set and https
  database        reachable; migrations applied
  redis           reachable (when configured; on a cluster, every master)
  recovery_journal  no rotation waiting to be replayed
  audit_chain     no audit row outside the chain (one would block every audit append)
  kids            no rows under kids missing from the keyring; none under old kids
  item_health     items in login_required / relink_required

Exit code 1 when any check fails (warnings alone exit 0).`,
  async run({ out, runtime }) {
    const results: CheckResult[] = [];
    let config;
    try {
      config = await runtime.config();
    } catch (err) {
      results.push(fail('configuration', isVaultError(err) ? err.message : 'the configuration is invalid', 'fix the named variables'));
      return report(results, out);
    }
    let keyring;
    try {
      keyring = await runtime.keyring();
    } catch (err) {
      const fix =
        keySourceOf(config) === 'command'
          ? 'fix VAULT_KEYS_COMMAND: run it yourself, it must exit 0 and print kid:base64 entries'
          : 'set VAULT_KEYS; generate one with plaid-vault keygen';
      results.push(fail('keys', isVaultError(err) ? err.message : 'the keyring is invalid', fix));
      return report(results, out);
    }
    results.push(
      ...configChecks({
        nodeEnv: runtime.env.NODE_ENV,
        databaseUrl: config.database.url,
        redisUrl: config.redis?.url ?? config.kv?.url ?? null,
        redisCluster: config.redisCluster ? { tls: config.redisCluster.tls, hosts: config.redisCluster.nodes.map((n) => n.host) } : null,
        webhookUrl: config.plaid.webhookUrl ?? null,
        products: config.plaid.products,
        kids: keyring.kids,
        keySource: keySourceOf(config),
      }),
    );
    const redisUrl = config.redis?.url;
    const redisCluster = config.redisCluster;
    results.push(
      ...(await serviceChecks({
        store: await runtime.rawStore(),
        kids: keyring.kids,
        activeKid: keyring.activeKid,
        ...(redisUrl !== undefined && { pingRedis: () => pingRedis(redisUrl) }),
        // [h13-kv] The KV REST API answers a PING too (bounded, 2 s).
        ...(config.kv && { pingRedis: () => runtime.redis().then((client) => client?.disconnect()) }),
        ...(redisCluster !== undefined && { pingRedis: () => pingRedisCluster(redisCluster) }),
        pendingRecovery: () => pendingRecoveryEntries(config.recoveryDir, keyring),
      })),
    );
    return report(results, out);
  },
};

function report(results: CheckResult[], out: Parameters<Command['run']>[0]['out']): number {
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  out.result({ ok: failed === 0, checks: results }, () => [
    ...results.map((r) => `${r.status.padEnd(4)}  ${r.id}: ${r.message}${r.fix ? ` — fix: ${r.fix}` : ''}`),
    `${results.length} checks: ${results.length - failed - warned} pass, ${warned} warn, ${failed} fail`,
  ]);
  return failed > 0 ? EXIT.failure : EXIT.ok;
}
