import { stampAuditEvent } from '../store/audit-store.js';
import type { TokenStore } from '../store/types.js';
import type { AuditEvent, AuditQuery, AuditVerifyResult, Clock, Logger, NewAuditEvent } from '../types.js';

/**
 * The vault's audit trail. `record` only buffers: audit writes are batched off
 * the request path so a cache hit in `withToken` does no I/O, and many events
 * share one transaction on the hash chain.
 */
export interface AuditLog {
  /** Stamp `at` (if unset) and buffer. Synchronous, never throws, never does I/O. */
  record(event: NewAuditEvent): void;
  /** Write everything buffered so far; rejects (events kept) if the store fails. */
  flush(): Promise<void>;
  list(q?: AuditQuery): Promise<AuditEvent[]>;
  verify(): Promise<AuditVerifyResult>;
  /** Stop the timer and flush what is left. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  store: TokenStore;
  clock: Clock;
  logger: Logger;
  /** How long an event may wait in the buffer (default 25 ms). */
  flushIntervalMs?: number;
  /** Events per append transaction; reaching it flushes at once (default 500). */
  maxBatch?: number;
  /** Most events held while the store is failing; the oldest are dropped beyond it (default 100 000). */
  maxBuffered?: number;
  /** Longest pause between retries of a failing flush (default 30 s). */
  maxRetryDelayMs?: number;
}

class BufferedAuditLog implements AuditLog {
  readonly #store: TokenStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #maxRetryDelay: number;
  #buffer: NewAuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerDue = 0;
  /** Flushes run one after another on this chain, so batches keep their order. */
  #chain: Promise<void> = Promise.resolve();
  #failures = 0;
  #dropped = 0;
  #closed = false;

  constructor(opts: AuditLogOptions) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#interval = opts.flushIntervalMs ?? 25;
    this.#maxBatch = Math.max(1, opts.maxBatch ?? 500);
    this.#maxBuffered = Math.max(this.#maxBatch, opts.maxBuffered ?? 100_000);
    this.#maxRetryDelay = opts.maxRetryDelayMs ?? 30_000;
  }

  record(event: NewAuditEvent): void {
    if (this.#closed) {
      this.#drop(1);
      return;
    }
    this.#buffer.push(stampAuditEvent(event, this.#clock));
    if (this.#buffer.length > this.#maxBuffered) {
      // Drop a slice, not one event per call, so a long outage costs O(1) amortised.
      const excess = this.#buffer.length - this.#maxBuffered + Math.ceil(this.#maxBuffered / 100);
      this.#buffer.splice(0, excess);
      this.#drop(excess);
    }
    if (this.#failures > 0) return; // the retry timer is already set
    this.#schedule(this.#buffer.length >= this.#maxBatch ? 0 : this.#interval);
  }

  flush(): Promise<void> {
    return this.#enqueue().then(
      () => this.#onSuccess(),
      (err: unknown) => {
        // The events stay buffered; make sure something retries them.
        if (!this.#closed && this.#failures === 0) this.#schedule(this.#interval);
        throw err;
      },
    );
  }

  async list(q: AuditQuery = {}): Promise<AuditEvent[]> {
    await this.flush();
    return this.#store.listAudit(q);
  }

  async verify(): Promise<AuditVerifyResult> {
    await this.flush();
    return this.#store.verifyAudit();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    try {
      await this.#enqueue();
    } catch (err) {
      this.#logger.error(
        { component: 'audit', lost: this.#buffer.length, code: codeOf(err) },
        'audit events could not be written at close',
      );
      throw err;
    }
  }

  #drop(n: number): void {
    if (this.#dropped === 0 || Math.floor((this.#dropped + n) / 10_000) > Math.floor(this.#dropped / 10_000)) {
      this.#logger.warn({ component: 'audit', dropped: this.#dropped + n }, 'audit buffer full: oldest events dropped');
    }
    this.#dropped += n;
  }

  #enqueue(): Promise<void> {
    const run = this.#chain.then(() => this.#drain());
    this.#chain = run.catch(() => {});
    return run;
  }

  async #drain(): Promise<void> {
    // What is buffered now (the last batch filled up to maxBatch), not what
    // arrives while writing: later events have a timer of their own. Chasing
    // them kept one append transaction after another running under steady
    // load, each for the handful of events recorded during the previous one.
    let pending = this.#buffer.length;
    while (pending > 0 && this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#maxBatch);
      pending -= batch.length;
      try {
        await this.#store.appendAudit(batch);
      } catch (err) {
        // Put the batch back in front, in order; the bound applies again on the next record.
        this.#buffer = batch.concat(this.#buffer);
        throw err;
      }
    }
  }

  #onSuccess(): void {
    if (this.#failures > 0) this.#logger.info({ component: 'audit', failures: this.#failures }, 'audit flush recovered');
    this.#failures = 0;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#enqueue().then(
      () => {
        this.#onSuccess();
        if (this.#buffer.length > 0 && !this.#closed) this.#schedule(this.#interval);
      },
      (err: unknown) => {
        this.#failures += 1;
        // Log the first failure of a streak only; ids and counts, never event contents.
        if (this.#failures === 1) {
          this.#logger.warn({ component: 'audit', pending: this.#buffer.length, code: codeOf(err) }, 'audit flush failed; retrying');
        }
        if (this.#closed) return;
        const delay = Math.min(this.#maxRetryDelay, this.#interval * 2 ** Math.min(this.#failures, 20));
        this.#schedule(delay, true);
      },
    );
  }

  #schedule(delayMs: number, replace = false): void {
    const due = Date.now() + delayMs;
    if (this.#timer && !replace && this.#timerDue <= due) return;
    this.#clearTimer();
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#onTimer(), delayMs);
    // Never keep the process alive just for audit: close() flushes explicitly.
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A buffered, hash-chained audit log over the store.
 *
 * @example
 * const audit = createAuditLog({ store, clock: systemClock, logger });
 * audit.record({ actor: 'api', userId, itemId, action: 'token.decrypt', purpose: 'sync', outcome: 'ok', requestId: null });
 * await audit.close();
 */
export function createAuditLog(opts: AuditLogOptions): AuditLog {
  return new BufferedAuditLog(opts);
}
