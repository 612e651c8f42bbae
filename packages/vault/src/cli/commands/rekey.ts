import { describeCacheSweep } from '../cache-sweep-lines.js';
import type { Command } from '../command.js';
import { parseCount } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { createProgress } from '../progress.js';

export const rekeyCommand: Command = {
  name: 'rekey',
  summary: 're-wrap every item key under the active key (online, resumable)',
  help: `Usage: plaid-vault rekey [--batch N] [--concurrency N]

Re-wraps each item's data key (DEK) under the active key (the first kid in
VAULT_KEYS); tokens themselves are not decrypted. Runs online: each row is a
compare-and-swap, so a concurrent rotation simply wins. Interrupt it at any
time (Ctrl-C) and run it again: it picks up the rows still under old kids.
Writes one key.rekey audit event per run. Then: plaid-vault retire-key OLD_KID.

With VAULT_REDIS_URL (or VAULT_REDIS_CLUSTER_NODES: every master) set, it then
sweeps the Redis (L2) cache of VAULT_NAMESPACE:
every entry not sealed under the active key is dropped (also after an
interrupted run or failed rows; those items refill from the database). A Redis
that does not answer does not fail the command: the sweep is reported as
skipped (ERR_CACHE_UNAVAILABLE) and the entries expire by TTL.

Options:
  --batch N        rows read per page (default 500, max 10000); memory is bounded by it
  --concurrency N  rows written at once (default 8, max 64)

Exit code 1 when some rows could not be re-wrapped (listed with their error code),
or when interrupted (the rekey or the sweep).`,
  options: { batch: { type: 'string' }, concurrency: { type: 'string' } },
  async run({ values, out, runtime, io, signal }) {
    const batch = parseCount(values.batch as string | undefined, 'batch', 500, 10_000);
    const concurrency = parseCount(values.concurrency as string | undefined, 'concurrency', 8, 64);
    const vault = await runtime.vault();
    const progress = createProgress(io, 'rekey');
    let result;
    try {
      // A first Ctrl-C stops the rekey between pages and still lets the L2 sweep run (a second one exits at once).
      result = await vault.keys.rekey({ batch, concurrency, signal, onProgress: (done, total) => progress.update(done, total) });
    } finally {
      progress.stop();
    }
    const { kids, cacheSweep } = result;
    const left = kids.filter((u) => !u.active && u.rows > 0);
    out.result(result, () => [
      ...result.failed.slice(0, 50).map((f) => `failed  ${f.itemId}  ${f.code}`),
      `rekey to ${result.activeKid}: ${result.rewrapped} rewrapped, ${result.skipped} skipped, ${result.failedCount} failed${result.interrupted ? ' (interrupted: run again to continue)' : ''}`,
      left.length === 0
        ? 'every item is under the active key'
        : `still under old kids: ${left.map((u) => `${u.kid} (${u.rows})`).join(', ')}`,
      ...describeCacheSweep(cacheSweep),
    ]);
    return result.failedCount > 0 || result.interrupted || cacheSweep.status === 'interrupted' ? EXIT.failure : EXIT.ok;
  },
};
