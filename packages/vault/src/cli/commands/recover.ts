import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'replay the rotation recovery journal and say what it did',
  help: `Usage: plaid-vault recover

Replays the rotation recovery journal (VAULT_RECOVERY_DIR): rotations whose new
token reached Plaid but not the database are written now; tokens that turned
out dead mark their item relink_required; a new token whose item was deleted
meanwhile removes that Item at Plaid. Safe to run again.

Prints how many entries were replayed, marked relink_required, found already
applied, removed at Plaid, and left (exit code 1 when some are left: run again
once the database and Plaid are reachable).`,
  async run({ out, runtime }) {
    const vault = await runtime.vault();
    const report = await vault.recover();
    const orphans = report.orphansRemoved ?? 0;
    out.result(report, () => [
      report.replayed + report.relinkRequired + report.alreadyApplied + orphans + report.remaining === 0
        ? 'recovery journal is empty: nothing to do'
        : `replayed ${report.replayed}, relink_required ${report.relinkRequired}, already applied ${report.alreadyApplied}, ` +
          `${orphans > 0 ? `removed at Plaid ${orphans}, ` : ''}remaining ${report.remaining}`,
    ]);
    return report.remaining > 0 ? EXIT.failure : EXIT.ok;
  },
};
