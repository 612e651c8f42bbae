import { isVaultError } from '../../errors.js';
import { keySourceOf } from '../../key-sources/key-variables.js';
import type { CheckResult } from '../../types/admin.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

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
  database        reachable
  migrations      applied (else: run plaid-vault migrate)
  redis           reachable (when configured; on a cluster, every master)
  recovery_journal  no rotation waiting to be replayed
  audit_chain     no audit row outside the chain (one would block every audit append)
  kids            no rows under kids missing from the keyring; none under old kids
  item_health     items in login_required / relink_required

Exit code 1 when any check fails (warnings alone exit 0).`,
  async run({ out, runtime, signal }) {
    // What fails before a vault can exist is reported here; the rest is the vault's own doctor.
    let config;
    try {
      config = await runtime.config();
    } catch (err) {
      return report(
        [fail('configuration', isVaultError(err) ? err.message : 'the configuration is invalid', 'fix the named variables')],
        out,
      );
    }
    try {
      await runtime.keyring();
    } catch (err) {
      const fix =
        keySourceOf(config) === 'command'
          ? 'fix VAULT_KEYS_COMMAND: run it yourself, it must exit 0 and print kid:base64 entries'
          : 'set VAULT_KEYS; generate one with plaid-vault keygen';
      return report([fail('keys', isVaultError(err) ? err.message : 'the keyring is invalid', fix)], out);
    }
    // Without migrating: pending migrations are one of the things the doctor reports.
    const vault = await runtime.vault({ migrate: false });
    return report((await vault.doctor({ signal })).checks, out);
  },
};

/** A check that failed before a vault could be opened. */
const fail = (id: string, message: string, fix: string): CheckResult => ({ id, status: 'fail', message, fix });

function report(results: CheckResult[], out: Parameters<Command['run']>[0]['out']): number {
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  out.result({ ok: failed === 0, checks: results }, () => [
    ...results.map((r) => `${r.status.padEnd(4)}  ${r.id}: ${r.message}${r.fix ? ` — fix: ${r.fix}` : ''}`),
    `${results.length} checks: ${results.length - failed - warned} pass, ${warned} warn, ${failed} fail`,
  ]);
  return failed > 0 ? EXIT.failure : EXIT.ok;
}
