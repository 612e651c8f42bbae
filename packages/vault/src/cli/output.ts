import { isVaultError } from '../errors.js';
import { fixFor } from './fixes.js';
import type { CliIo } from './cli-io.js';

/**
 * Where commands print. Results go to stdout (one JSON document with --json,
 * human lines otherwise); progress and errors go to stderr so that
 * `--json | jq` always gets clean JSON.
 */
export interface Output {
  readonly json: boolean;
  /** A command's result: `data` as JSON with --json, else the human lines. */
  result(data: unknown, human: () => string | string[]): void;
  /** Progress or a warning on stderr, in both modes. */
  note(text: string): void;
  /** A failure, as the one-line `error CODE: message — fix` (plus JSON on stdout with --json). */
  error(err: unknown, fix?: string): string;
}

export interface ErrorSummary {
  code: string;
  message: string;
  fix: string;
}

/**
 * Reduce any thrown value to a printable summary. Only VaultError messages are
 * printed: they are fixed strings, whereas a foreign error's text may carry a
 * connection string or a token (pg and axios both do).
 */
export function summarizeError(err: unknown): ErrorSummary {
  if (isVaultError(err)) return { code: err.code, message: err.message, fix: fixFor(err.code) };
  return { code: 'ERR_INTERNAL', message: 'Unexpected failure.', fix: fixFor('ERR_INTERNAL') };
}

export function createOutput(io: CliIo, opts: { json: boolean; debug: boolean }): Output {
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  return {
    json: opts.json,
    result(data, human) {
      if (opts.json) {
        write(io.stdout, JSON.stringify(data));
        return;
      }
      const lines = human();
      write(io.stdout, Array.isArray(lines) ? lines.join('\n') : lines);
    },
    note(text) {
      write(io.stderr, text);
    },
    error(err, fix) {
      const s = summarizeError(err);
      if (fix !== undefined) s.fix = fix;
      write(io.stderr, `error ${s.code}: ${s.message.replace(/\.$/, '')} — ${s.fix}`);
      if (opts.debug && err instanceof Error && err.stack) write(io.stderr, debugTrace(err));
      if (opts.json) write(io.stdout, JSON.stringify({ ok: false, error: s }));
      return s.code;
    },
  };
}

/** The stack and cause chain, only with --debug (the operator asked for it). */
function debugTrace(err: Error): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(depth === 0 ? (current.stack ?? current.message) : `caused by: ${current.stack ?? current.message}`);
    current = current.cause;
  }
  return parts.join('\n');
}
