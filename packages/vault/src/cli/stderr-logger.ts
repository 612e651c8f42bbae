import type { Logger } from '../types/logger.js';

/**
 * The CLI's logger: short lines on stderr so stdout stays the command's
 * result (and valid JSON with --json). Fields are printed only with --debug;
 * callers never put a token in them (the Logger contract), and Secret prints
 * `[redacted]` regardless.
 */
export function createStderrLogger(stderr: NodeJS.WritableStream, debug: boolean): Logger {
  const line = (level: string) => (obj: object, msg?: string) => {
    const fields = debug && Object.keys(obj).length > 0 ? ` ${safeJson(obj)}` : '';
    stderr.write(`${level}: ${msg ?? ''}${fields}\n`);
  };
  return {
    debug: debug ? line('debug') : () => {},
    info: debug ? line('info') : () => {},
    warn: line('warn'),
    error: line('error'),
  };
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
