import { parseArgs } from 'node:util';
import { InputInvalidError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import type { Command, CommandContext, OptionValues } from './command.js';
import { commands } from './commands/index.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';
import { createOutput } from './output.js';
import { createRuntime } from './runtime.js';

const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
} as const;

const COMMON_HELP = `Common options:
  --json    print the result as one JSON document on stdout (progress and errors stay on stderr)
  --debug   print stack traces and log fields on stderr
  -h, --help`;

/**
 * Run one CLI invocation and return its exit code. main.ts passes the real
 * process streams and environment; tests could pass their own.
 */
export async function runCli(argv: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  const wantsDebug = rest.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${globalHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const out = createOutput(io, { json: wantsJson, debug: false });
    // The name is not echoed: an operator who pasted a token in its place must not see it in a log.
    out.error(new InputInvalidError('Unknown command.'), 'run plaid-vault --help');
    return EXIT.usage;
  }

  const parsed = parse(command, rest);
  const out = createOutput(io, { json: parsed.ok ? parsed.values.json === true : wantsJson, debug: wantsDebug });
  if (!parsed.ok) {
    out.error(new InputInvalidError(`${parsed.reason}.`), `run plaid-vault ${command.name} --help`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.stdout.write(`${command.help.trimEnd()}\n\n${COMMON_HELP}\n\n${EXIT_CODES_HELP}\n`);
    return EXIT.ok;
  }

  const runtime = createRuntime(io, { debug: parsed.values.debug === true });
  const ctx: CommandContext = { values: parsed.values, positionals: parsed.positionals, io, out, runtime, signal };
  try {
    return await command.run(ctx);
  } catch (err) {
    return exitCodeFor(out.error(err));
  } finally {
    await runtime.close().catch(() => {});
  }
}

type Parsed = { ok: true; values: OptionValues; positionals: string[] } | { ok: false; reason: string };

function parse(command: Command, args: string[]): Parsed {
  let result;
  try {
    result = parseArgs({ args, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, reason: describeParseError(err) };
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  const values = result.values as OptionValues;
  if (!values.help && (result.positionals.length < min || result.positionals.length > max)) {
    return {
      ok: false,
      reason: max === 0 ? 'This command takes no arguments' : `Expected ${min === max ? min : `${min} to ${max}`} argument(s)`,
    };
  }
  return { ok: true, values, positionals: result.positionals };
}

/**
 * parseArgs quotes the offending argument back; an operator who pasted a
 * token in the wrong place must not see it echoed into a terminal log, so
 * only well-formed option names are repeated.
 */
function describeParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const named = /'(--?[A-Za-z][A-Za-z0-9-]{0,24})'/.exec((err as Error).message ?? '')?.[1];
  const option = named && !/access|public|secret|pvk_/i.test(named) ? named : undefined;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return option ? `Unknown option ${option}` : 'Unknown option';
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option ? `Option ${option} needs a value` : 'An option has a missing or wrong value';
    default:
      return 'Invalid arguments';
  }
}

function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `plaid-vault: operate a plaid-vault deployment.

Usage: plaid-vault <command> [options]    (plaid-vault <command> --help for details)

Commands:
${list}

Configuration comes from the same environment variables as the library:
VAULT_DATABASE_URL, VAULT_KEYS / VAULT_KEYS_FILE / VAULT_KEYS_COMMAND (run once
per invocation), VAULT_REDIS_URL or VAULT_REDIS_CLUSTER_NODES, PLAID_ENV,
PLAID_CLIENT_ID, PLAID_SECRET, PLAID_BASE_URL, PLAID_PRODUCTS, PLAID_WEBHOOK_URL,
VAULT_RECOVERY_DIR, NODE_ENV.

${COMMON_HELP}

${EXIT_CODES_HELP}`;
}
