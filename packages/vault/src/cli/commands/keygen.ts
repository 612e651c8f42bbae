import { generateKeyEntry } from '../../crypto/keyring.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'print a new 32-byte key as a VAULT_KEYS entry',
  help: `Usage: plaid-vault keygen [--kid ID]

Prints a new key entry "kid:base64" (32 random bytes) on stdout, and nothing
else, so that it can go straight into a secret store:

  plaid-vault keygen --kid k2 > k2.key

Put it FIRST in VAULT_KEYS to make it the active key, keep the old entries,
run plaid-vault rekey, then plaid-vault retire-key OLD_KID.

Options:
  --kid ID   the key id (1-64 of A-Z a-z 0-9 . _ -); default k<date>-<random>`,
  options: { kid: { type: 'string' } },
  async run({ values, out }) {
    const entry = generateKeyEntry(values.kid as string | undefined);
    const kid = entry.slice(0, entry.indexOf(':'));
    out.result({ kid, entry }, () => entry);
    if (!out.json) out.note(`new key ${kid}: put it first in VAULT_KEYS to make it active, then run plaid-vault rekey`);
    return EXIT.ok;
  },
};
