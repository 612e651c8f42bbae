import { InputInvalidError } from '../../errors.js';
import { createLogger } from '../../logging/pino-logger.js';
import { parseApiKeysEnv } from '../api-keys-env.js';
import type { Command } from '../command.js';
import { parseCount } from '../duration.js';
import { EXIT } from '../exit-codes.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the standalone HTTP API for backends in any language',
  help: `Usage: plaid-vault serve [--port P] [--host H] [--user-header NAME]

Runs the vault's HTTP API (the same routes the Next.js app mounts) as a
standalone server. Callers are backends, not browsers: each request carries
"Authorization: Bearer <service key>" and the id of the user it acts for in
the trusted header (default x-plaid-vault-user). Keys are configured hashed in
VAULT_API_KEYS ("id:sha256:...,..."; make one with plaid-vault apikey) and
compared in constant time. A key holder can act as any user: keep the server
on a private network or behind TLS.

Prints the URL on stdout once listening; stops cleanly on Ctrl-C / SIGTERM.
Logs JSON lines on stderr at VAULT_LOG_LEVEL (default info; --debug: debug). Every 5xx answer
is logged at error with its request id (the x-request-id header and the body's
requestId) and the error code behind it.

Options:
  --port P             port (default 4100; 0 picks a free one)
  --host H             interface (default 127.0.0.1)
  --user-header NAME   the trusted user header (default x-plaid-vault-user)`,
  options: { port: { type: 'string' }, host: { type: 'string' }, 'user-header': { type: 'string' } },
  async run({ values, out, runtime, signal, io }) {
    const port = values.port === '0' ? 0 : parseCount(values.port as string | undefined, 'port', 4100, 65_535);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new InputInvalidError('--host takes a host name or IP address.');
    const { createHttpApp, createServiceAuth, createVaultMetrics, startHttpServer } = await import('../../http/index.js');
    const apiKeys = parseApiKeysEnv(runtime.env.VAULT_API_KEYS);
    const getUserId = createServiceAuth({
      apiKeys,
      ...(values['user-header'] !== undefined && { userHeader: values['user-header'] as string }),
    });
    const config = await runtime.config();
    // A server's log is for operators and their tools: JSON lines with fields, at the configured level.
    runtime.useLogger(createLogger(values.debug === true ? 'debug' : config.logLevel, io.stderr));
    // One collector for the vault (Plaid latency, rotations) and the /metrics route.
    const collector = config.metricsToken !== undefined ? createVaultMetrics() : undefined;
    const vault = await runtime.vault(collector ? { metrics: collector } : {});
    const app = createHttpApp({
      vault,
      getUserId,
      logger: runtime.logger,
      sandboxLinkEnabled: config.plaid.env !== 'production',
      ...(config.metricsToken !== undefined && collector && { metrics: { token: config.metricsToken, collector } }),
    });
    const server = await startHttpServer({ app, port, host });
    runtime.onClose(() => server.close());
    runtime.logger.info({ url: server.url, apiKeys: apiKeys.length }, 'serve listening');
    out.result(
      { url: server.url, apiKeys: apiKeys.map((k) => k.id) },
      () => `plaid-vault listening on ${server.url} (${apiKeys.length} service key(s))`,
    );
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    out.note('stopping');
    return EXIT.ok;
  },
};
