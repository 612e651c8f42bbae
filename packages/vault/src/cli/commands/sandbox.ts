import { importOptional } from '../../drivers/optional-package.js';
import type { Command } from '../command.js';
import { parseCount } from '../duration.js';
import { EXIT } from '../exit-codes.js';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'start plaid-sandbox, the offline Plaid API emulator',
  help: `Usage: plaid-vault sandbox [--port P] [--client-id ID] [--secret S]

Starts plaid-sandbox, an offline emulator of the Plaid API, and prints its URL
and test credentials (a secret you choose with --secret is not shown). Point the vault at it with PLAID_ENV=emulator and
PLAID_BASE_URL=<url>. Stops on Ctrl-C / SIGTERM.

Options:
  --port P          port (default 4010; 0 picks a free one)
  --client-id ID    the client id it accepts (default: test_client_id)
  --secret S        the secret it accepts (default: test_secret)`,
  options: { port: { type: 'string' }, 'client-id': { type: 'string' }, secret: { type: 'string' } },
  async run({ values, out, runtime, signal }) {
    const port = values.port === '0' ? 0 : parseCount(values.port as string | undefined, 'port', 4010, 65_535);
    // Loaded on demand: the emulator is a development tool, not a dependency of the vault (install it beside it).
    const { DEFAULT_CREDENTIALS, startSandbox } = await importOptional(
      'plaid-sandbox',
      'plaid-vault sandbox runs the emulator',
      () => import('plaid-sandbox'),
    );
    const clientId = (values['client-id'] as string | undefined) ?? DEFAULT_CREDENTIALS.clientId;
    const chosenSecret = values.secret as string | undefined;
    const sandbox = await startSandbox({ port, clientId, secret: chosenSecret ?? DEFAULT_CREDENTIALS.secret });
    runtime.onClose(() => sandbox.close());
    // A secret chosen with --secret is never echoed; only the public default is shown.
    const secret = chosenSecret === undefined ? DEFAULT_CREDENTIALS.secret : null;
    out.result({ url: sandbox.url, clientId, secret }, () => [
      `plaid-sandbox listening on ${sandbox.url}`,
      `PLAID_ENV=emulator PLAID_BASE_URL=${sandbox.url} PLAID_CLIENT_ID=${clientId} PLAID_SECRET=${secret ?? '<the value of --secret>'}`,
    ]);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    out.note('stopping');
    return EXIT.ok;
  },
};
