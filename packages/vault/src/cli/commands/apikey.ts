import { InputInvalidError } from '../../errors.js';
import { OPERATOR_ID } from '../../operator-ids.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const apikeyCommand: Command = {
  name: 'apikey',
  summary: 'generate a service API key for plaid-vault serve',
  help: `Usage: plaid-vault apikey [--id NAME]

Generates a service API key for a backend that calls plaid-vault serve.
Prints the key ONCE (give it to that backend's secret store) and the entry
to append to VAULT_API_KEYS on the vault host, which holds only its hash:

  key:    pvk_...
  entry:  NAME:sha256:...      VAULT_API_KEYS="billing:sha256:...,reports:sha256:..."

Options:
  --id NAME   a label for the backend holding the key (default: backend)`,
  options: { id: { type: 'string' } },
  async run({ values, out }) {
    const id = (values.id as string | undefined) ?? 'backend';
    if (!OPERATOR_ID.test(id)) throw new InputInvalidError('--id is 1-64 of A-Z a-z 0-9 . _ -.');
    const { generateApiKey, hashApiKey } = await import('../../http/service-auth.js');
    const key = generateApiKey();
    const entry = `${id}:${hashApiKey(key)}`;
    out.result({ id, key, entry }, () => [`key:    ${key}`, `entry:  ${entry}`]);
    if (!out.json)
      out.note('The key is shown once: store it with the calling backend. Append the entry to VAULT_API_KEYS (comma-separated).');
    return EXIT.ok;
  },
};
