import { describeCacheSweep } from '../cache-sweep-lines.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const retireKeyCommand: Command = {
  name: 'retire-key',
  summary: 'check that a kid protects no row, and say how to remove it',
  help: `Usage: plaid-vault retire-key KID

Refuses (ERR_KEY_IN_USE, exit 1) while any row is sealed under KID, or when KID
is the active key; an unknown KID is ERR_CRYPTO_KEY_UNKNOWN (exit 3).
Otherwise prints the kids to keep in VAULT_KEYS, in order. It never prints key
bytes: remove the KID entry from VAULT_KEYS in your secret store yourself,
redeploy, and the key is retired. Run plaid-vault rekey first.

With VAULT_REDIS_URL (or VAULT_REDIS_CLUSTER_NODES: every master) set, it then
drops every Redis (L2) cache entry of
VAULT_NAMESPACE still sealed under KID (entries under the other kids stay). A
Redis that does not answer does not fail the command: the sweep is reported as
skipped (ERR_CACHE_UNAVAILABLE). Exit code 1 if the sweep is interrupted.`,
  positionals: { min: 1, max: 1 },
  async run({ positionals, out, runtime, signal }) {
    const vault = await runtime.vault();
    const result = await vault.keys.retire(positionals[0]!, { signal });
    out.result(result, () => [
      `kid ${result.kid} protects no item and can be retired.`,
      `Remove the "${result.kid}:..." entry from VAULT_KEYS, keeping these kids in this order: ${result.keep.join(',')}`,
      ...describeCacheSweep(result.cacheSweep),
    ]);
    return result.cacheSweep.status === 'interrupted' ? EXIT.failure : EXIT.ok;
  },
};
