import { planRetireKey } from '../../keys/retire-key.js';
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
redeploy, and the key is retired. Run plaid-vault rekey first.`,
  positionals: { min: 1, max: 1 },
  async run({ positionals, out, runtime }) {
    const keyring = await runtime.keyring();
    const plan = await planRetireKey(await runtime.store(), keyring.kids, keyring.activeKid, positionals[0]!);
    out.result({ kid: plan.kid, rows: 0, keep: plan.keep }, () => [
      `kid ${plan.kid} protects no item and can be retired.`,
      `Remove the "${plan.kid}:..." entry from VAULT_KEYS, keeping these kids in this order: ${plan.keep.join(',')}`,
    ]);
    return EXIT.ok;
  },
};
