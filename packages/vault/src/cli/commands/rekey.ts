import { rewrap } from '../../crypto/envelope.js';
import { describeCacheSweep, sweepCacheKids } from '../../keys/cache-sweep.js';
import { keyUsage } from '../../keys/key-usage.js';
import { rekey } from '../../keys/rekey.js';
import { systemClock } from '../../types/clock.js';
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
    const keyring = await runtime.keyring();
    const store = await runtime.store();
    const progress = createProgress(io, 'rekey');
    let report;
    try {
      report = await rekey(
        {
          store,
          activeKid: keyring.activeKid,
          rewrap: (envelope, ref) => rewrap(keyring, ref, envelope),
          clock: systemClock,
          actor: 'cli:rekey',
        },
        { batch, concurrency, signal, onProgress: (done, total) => progress.update(done, total) },
      );
    } finally {
      progress.stop();
    }
    // After every run, interrupted or not: rows already re-wrapped must not stay readable in Redis
    // under the old key. Entries of rows still under an old kid go too: they refill from the database.
    // A first Ctrl-C during the rekey still lets the sweep run (a second one exits at once).
    const config = await runtime.config();
    const cacheSweep = await sweepCacheKids(
      { redis: () => runtime.redis(), namespace: config.namespace, ttlSeconds: config.cache.l2TtlSeconds },
      [keyring.activeKid],
      signal.aborted ? {} : { signal },
    );
    const usage = await keyUsage(store, keyring.kids, keyring.activeKid);
    const left = usage.filter((u) => !u.active && u.rows > 0);
    out.result({ ...report, kids: usage, cacheSweep }, () => [
      ...report.failed.slice(0, 50).map((f) => `failed  ${f.itemId}  ${f.code}`),
      `rekey to ${report.activeKid}: ${report.rewrapped} rewrapped, ${report.skipped} skipped, ${report.failed.length} failed${report.interrupted ? ' (interrupted: run again to continue)' : ''}`,
      left.length === 0
        ? 'every item is under the active key'
        : `still under old kids: ${left.map((u) => `${u.kid} (${u.rows})`).join(', ')}`,
      ...describeCacheSweep(cacheSweep),
    ]);
    return report.failed.length > 0 || report.interrupted || cacheSweep.status === 'interrupted' ? EXIT.failure : EXIT.ok;
  },
};
