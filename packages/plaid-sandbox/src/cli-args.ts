/** Parsed `plaid-sandbox` command line. */
export interface CliArgs {
  port: number;
  host: string;
  admin: boolean;
  persist?: string;
  clientId?: string;
  secret?: string;
  webhookBaseOverride?: string;
  /** Plaid's first-pull timing (ms); absent means instant. */
  initialPullDelayMs?: number;
  historicalPullDelayMs?: number;
  help: boolean;
}

export const USAGE = `usage: plaid-sandbox [--port 4010] [--host 127.0.0.1] [--admin] [--persist state.json]
                     [--client-id ID] [--secret SECRET] [--webhook-base-override URL]
                     [--initial-pull-delay-ms MS [--historical-pull-delay-ms MS]]`;

/** Options that take a whole number of milliseconds, by flag. */
const MS_FLAGS: Record<string, 'initialPullDelayMs' | 'historicalPullDelayMs'> = {
  '--initial-pull-delay-ms': 'initialPullDelayMs',
  '--historical-pull-delay-ms': 'historicalPullDelayMs',
};

/** Options that take a string value, by flag. */
const STRING_FLAGS: Record<string, 'host' | 'persist' | 'clientId' | 'secret' | 'webhookBaseOverride'> = {
  '--host': 'host',
  '--persist': 'persist',
  '--client-id': 'clientId',
  '--secret': 'secret',
  '--webhook-base-override': 'webhookBaseOverride',
};

/** Parses argv (without node and script); throws a usage error on anything unknown. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { port: 4010, host: '127.0.0.1', admin: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535\n${USAGE}`);
      args.port = port;
    } else if (flag === '--admin') {
      args.admin = true;
    } else if (flag === '--help' || flag === '-h') {
      args.help = true;
    } else if (Object.hasOwn(MS_FLAGS, flag)) {
      const ms = Number(value());
      if (!Number.isInteger(ms) || ms < 0) throw new Error(`${flag} must be a whole number of milliseconds\n${USAGE}`);
      args[MS_FLAGS[flag]!] = ms;
    } else if (Object.hasOwn(STRING_FLAGS, flag)) {
      args[STRING_FLAGS[flag]!] = value();
    } else {
      throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (args.historicalPullDelayMs !== undefined && args.initialPullDelayMs === undefined)
    throw new Error(`--historical-pull-delay-ms needs --initial-pull-delay-ms\n${USAGE}`);
  return args;
}
