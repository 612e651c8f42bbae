import type { Logger } from '../types/logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface StderrLoggerOptions {
  /** Where lines go; default `process.stderr`. */
  stream?: { write(line: string): unknown };
  /**
   * `json`: one JSON object a line, `{ level, time, msg, ...fields }` (servers).
   * `text`: `level: msg`, for a person at a terminal (the CLI; stdout stays the command's result).
   */
  format: 'json' | 'text';
  /** The lowest level written; default `info`. */
  level?: Level;
  /** Text format: add the fields after the message (the CLI's --debug). JSON lines always carry them. */
  fields?: boolean;
}

/**
 * A logger that writes lines on stderr: the HTTP app's default when the host
 * passes none (so a 5xx is never silent), and the CLI's. Callers pass only
 * ids, codes and scrubbed errors (the Logger contract); an Error among the
 * fields is written as its name and code only, never its message or stack,
 * and Secret prints `[redacted]` regardless.
 *
 * @example
 * const logger = createStderrLogger({ format: 'text', level: debug ? 'debug' : 'warn', fields: debug });
 * logger.warn({ code: 'ERR_CACHE_UNAVAILABLE' }, 'Redis is down; reading from the database');
 */
export function createStderrLogger(opts: StderrLoggerOptions): Logger {
  const stream = opts.stream ?? process.stderr;
  const lowest = RANK[opts.level ?? 'info'];
  const line = (level: Level) => {
    if (RANK[level] < lowest) return () => {};
    if (opts.format === 'json')
      return (obj: object, msg?: string) => stream.write(`${safeJson({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
    return (obj: object, msg?: string) => {
      const fields = opts.fields && Object.keys(obj).length > 0 ? ` ${safeJson(obj)}` : '';
      stream.write(`${level}: ${msg ?? ''}${fields}\n`);
    };
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function safeJson(obj: object): string {
  try {
    // Errors would serialise their message and stack; keep their name and code only.
    return JSON.stringify(obj, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, code: (value as { code?: unknown }).code } : value,
    );
  } catch {
    return '{}';
  }
}
