import type { CliIo } from './cli-io.js';
import type { Output } from './output.js';
import type { Runtime } from './runtime.js';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  values: OptionValues;
  positionals: string[];
  io: CliIo;
  out: Output;
  runtime: Runtime;
  /** Aborted on SIGINT/SIGTERM: long commands stop between items and report. */
  signal: AbortSignal;
}

/** One `plaid-vault <name>` command: parse spec, help text, and a run function returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text (usage, options, what it prints). Exit codes are appended. */
  help: string;
  options?: Record<string, OptionSpec>;
  /** Allowed positional arguments (default 0..0). */
  positionals?: { min: number; max: number };
  run(ctx: CommandContext): Promise<number>;
}
