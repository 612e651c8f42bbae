import type { Logger } from '../types/logger.js';

function line(level: string, obj: object, msg?: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
}

/**
 * Used when the host passes no logger, so a 5xx is never silent. Callers pass
 * only ids, codes and scrubbed errors (log-safe-error.ts) to a logger.
 */
export const stderrLogger: Logger = {
  debug() {},
  info: (obj, msg) => line('info', obj, msg),
  warn: (obj, msg) => line('warn', obj, msg),
  error: (obj, msg) => line('error', obj, msg),
};
