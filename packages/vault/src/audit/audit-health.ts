import type { AuditStats } from '../types/audit.js';
import type { Logger } from '../types/logger.js';

/** While appends keep failing, the error line is repeated at most this often. */
const FAILURE_LOG_EVERY_MS = 60_000;

export type AuditHealthCounters = Pick<AuditStats, 'failing' | 'lastErrorCode' | 'appendFailures' | 'dropped' | 'refused'>;

/**
 * The audit log's failure bookkeeping, kept loud: an error line when a streak
 * of failed appends starts (or a strict deadline is missed) and again at most
 * once a minute while it lasts, an info line when it ends, an error line for
 * drops; and the counters stats() exposes. Ids and counts only, never event
 * contents. Nothing here runs per recorded event.
 */
export class AuditHealth {
  readonly #logger: Logger;
  readonly #strict: boolean;
  /** The number of events recorded and not yet written, for the log lines. */
  readonly #pending: () => number;
  /** Consecutive failed appends (the retry back-off). */
  failures = 0;
  /** From a failed append, or a strict deadline missed, until an append succeeds. */
  failing = false;
  #lastErrorCode: string | null = null;
  #lastFailureLog = 0;
  #appendFailures = 0;
  #dropped = 0;
  #refused = 0;

  constructor(logger: Logger, strict: boolean, pending: () => number) {
    this.#logger = logger;
    this.#strict = strict;
    this.#pending = pending;
  }

  succeeded(): void {
    if (this.failing)
      this.#logger.info({ component: 'audit', failures: this.failures, pending: this.#pending() }, 'audit writes recovered');
    this.failures = 0;
    this.failing = false;
    this.#lastErrorCode = null;
  }

  appendFailed(err: unknown): void {
    this.failures += 1;
    this.#appendFailures += 1;
    this.#lastErrorCode = codeOf(err) ?? 'error';
    this.#enterFailing((err as { details?: Record<string, unknown> } | undefined)?.details);
  }

  /** A strict event was not committed in time: refuse token use until an append succeeds. */
  deadlineMissed(): void {
    this.#lastErrorCode ??= 'timeout';
    this.#enterFailing(undefined);
  }

  dropped(n: number, reason: 'buffer_full' | 'closed'): void {
    if (this.#dropped === 0 || Math.floor((this.#dropped + n) / 10_000) > Math.floor(this.#dropped / 10_000)) {
      this.#logger.error({ component: 'audit', reason, dropped: this.#dropped + n }, 'audit events dropped');
    }
    this.#dropped += n;
  }

  refused(): void {
    this.#refused += 1;
  }

  counters(): AuditHealthCounters {
    return {
      failing: this.failing,
      lastErrorCode: this.#lastErrorCode,
      appendFailures: this.#appendFailures,
      dropped: this.#dropped,
      refused: this.#refused,
    };
  }

  #enterFailing(details: Record<string, unknown> | undefined): void {
    const now = Date.now();
    if (this.failing && now - this.#lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    const streakStarts = !this.failing;
    this.failing = true;
    this.#lastFailureLog = now;
    this.#logger.error(
      {
        component: 'audit',
        code: this.#lastErrorCode,
        pending: this.#pending(),
        failures: this.failures,
        dropped: this.#dropped,
        ...(this.#strict && { refused: this.#refused }),
        ...(details && { details }),
      },
      streakStarts ? 'audit events cannot be written; retrying' : 'audit events still cannot be written',
    );
  }
}

export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
