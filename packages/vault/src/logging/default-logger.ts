import { silentLogger, type Logger } from '../types/logger.js';

/**
 * The logger a vault makes when none is passed in: pino (pino-logger.ts) at
 * `level`, imported only then (pino and its dependencies are ~25 ms of a cold
 * start on a 2-core machine), and no logger at all for `silent`, where pino
 * would drop every line anyway.
 *
 * @example
 * const logger = parts.logger ?? (await createDefaultLogger(config.logLevel));
 */
export async function createDefaultLogger(level: string): Promise<Logger> {
  if (level === 'silent') return silentLogger;
  const { createLogger } = await import('./pino-logger.js');
  return createLogger(level);
}
