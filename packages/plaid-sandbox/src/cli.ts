#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js';
import { DEFAULT_CREDENTIALS, startSandbox } from './start-sandbox.js';

// Composition root of the bin: the only place that touches argv, stdout and signals.
async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const sb = await startSandbox({
    port: args.port,
    host: args.host,
    admin: args.admin,
    ...(args.persist && { persistPath: args.persist }),
    ...(args.clientId && { clientId: args.clientId }),
    ...(args.secret && { secret: args.secret }),
    ...(args.webhookBaseOverride && { webhookBaseOverride: args.webhookBaseOverride }),
    ...(args.initialPullDelayMs !== undefined && { initialPullDelayMs: args.initialPullDelayMs }),
    ...(args.historicalPullDelayMs !== undefined && { historicalPullDelayMs: args.historicalPullDelayMs }),
  });
  // Ready to paste into an app's environment. A secret chosen with --secret is never echoed
  // (terminal output ends up in logs and CI transcripts); only the public default is shown.
  console.log(`plaid-sandbox listening on ${sb.url}`);
  console.log(`PLAID_BASE_URL=${sb.url}`);
  console.log(`PLAID_CLIENT_ID=${sb.clientId}`);
  console.log(args.secret ? 'PLAID_SECRET=<the value of --secret>' : `PLAID_SECRET=${DEFAULT_CREDENTIALS.secret}`);
  if (args.initialPullDelayMs) console.log(`first transactions pulls complete after ${args.initialPullDelayMs} ms (Plaid's timing)`);
  if (args.admin) console.log(`admin routes: ${sb.url}/__admin/faults, ${sb.url}/__admin/state`);
  if (args.admin && !['127.0.0.1', '::1', 'localhost'].includes(args.host)) {
    console.error('plaid-sandbox: warning: the admin routes have no authentication and this host is not loopback');
  }
  const stop = (signal: string) => {
    console.log(`plaid-sandbox: ${signal}, shutting down`);
    sb.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
