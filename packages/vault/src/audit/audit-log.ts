import { AuditUnavailableError } from '../errors.js';
import type { AuditStore } from '../store/types.js';
import type {
  AuditAnchor,
  AuditEvent,
  AuditMode,
  AuditQuery,
  AuditStats,
  AuditVerifyOptions,
  AuditVerifyResult,
  NewAuditEvent,
} from '../types/audit.js';
import { systemClock, type Clock } from '../types/clock.js';
import type { Logger } from '../types/logger.js';
import { AuditHealth, codeOf } from './audit-health.js';
import { Backpressure } from './backpressure.js';
import { createDurableWaiters } from './durable-waiters.js';
import { FlushSchedule } from './flush-schedule.js';

/**
 * The vault's audit trail. `record` only buffers: audit writes are batched off
 * the request path so a cache hit in `withToken` does no I/O, and many events
 * share one transaction on the hash chain. In strict mode `withToken` uses
 * `recordDurable` instead, which resolves once its event is committed.
 */
export interface AuditLog {
  /** True in strict mode (VAULT_AUDIT_MODE=strict): token use waits for its event to be committed. */
  readonly strict: boolean;
  /**
   * Stamp `at` (if unset) and buffer a copy. Synchronous, never throws. No I/O
   * of its own: the batch that fills up (maxBatch) starts its append at once,
   * without waiting for a timer, so a caller that never yields to the event
   * loop still gets its events written (on SQLite within the same microtasks,
   * the append being synchronous).
   */
  record(event: NewAuditEvent): void;
  /**
   * Buffered mode's back-pressure, for callers that record in a loop
   * (`withToken`): undefined almost always; a promise to await when more than
   * the high-water mark waits while an append runs and the log is healthy,
   * settled when that append ends (or after a bounded wait). A loop that never
   * yields cannot otherwise let an asynchronous store (PostgreSQL) finish its
   * append, and would drop events at the buffer bound.
   */
  backpressure(): Promise<void> | undefined;
  /**
   * Buffer `event`, have it written at once (with whatever else is waiting) and
   * resolve when it is committed. Rejects with ERR_AUDIT_UNAVAILABLE when the
   * append fails, when it is not committed within the strict timeout, or at
   * once while the log is failing; the event stays buffered and is written later.
   */
  recordDurable(event: NewAuditEvent): Promise<void>;
  /** Throws (and counts) ERR_AUDIT_UNAVAILABLE while the log is failing: strict callers check before any work. */
  assertWritable(): void;
  /** Write everything buffered so far; rejects (events kept) if the store fails. */
  flush(): Promise<void>;
  /** Flush (a failure is logged and counted, not thrown), then list the stored chain. */
  list(q?: AuditQuery): Promise<AuditEvent[]>;
  /** Flush as `list` does, then verify the stored chain, against an anchor when given. */
  verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** Flush as `list` does, then read the head to keep as an anchor. */
  head(): Promise<AuditAnchor>;
  /** Counters and the buffer's state; cheap and synchronous (read at every metrics scrape). */
  stats(): AuditStats;
  /** Stop the timer and flush what is left. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  store: AuditStore;
  clock: Clock;
  logger: Logger;
  /** `buffered` (default): token use never waits for the audit log. `strict`: see recordDurable. */
  mode?: AuditMode;
  /** Strict mode: how long a token use waits for its event to be committed (default 1000 ms). */
  strictTimeoutMs?: number;
  /** How long an event may wait in the buffer (default 25 ms). */
  flushIntervalMs?: number;
  /** Events per append transaction; reaching it flushes at once (default 500). */
  maxBatch?: number;
  /** Most events held while the store is failing; the oldest are dropped beyond it (default 100 000). */
  maxBuffered?: number;
  /** Longest pause between retries of a failing flush (default 30 s; 1 s in strict mode, which refuses token use until one succeeds). */
  maxRetryDelayMs?: number;
  /** Events waiting beyond which backpressure() asks callers to wait (default the smaller of 10 batches and half of maxBuffered). */
  highWater?: number;
  /** Longest back-pressure wait; past it, no caller waits until the slow append ends (default 1000 ms). */
  backpressureTimeoutMs?: number;
}

/** An event as buffered: a copy, with `at` set. */
type StampedAuditEvent = NewAuditEvent & { at: Date };

class BufferedAuditLog implements AuditLog {
  readonly strict: boolean;
  readonly #store: AuditStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #highWater: number;
  readonly #maxRetryDelay: number;
  readonly #waiters;
  readonly #pressure: Backpressure;
  #buffer: StampedAuditEvent[] = [];
  /** The batch being written, for stats: it has left the buffer but is not stored yet. */
  #inflight: StampedAuditEvent[] | undefined;
  /** Flushes the log starts itself (timer, immediate, full batch); each looks at the buffer again when it ends. */
  readonly #schedule: FlushSchedule;
  /** Flushes run one after another on this chain, so batches keep their order. */
  #chain: Promise<void> = Promise.resolve();
  readonly #health: AuditHealth;
  #closed = false;
  /** On the system clock, events stamped in the same millisecond share one Date: a Date per event cost more than the rest of record(). */
  readonly #systemClock: boolean;
  #lastMs = Number.NaN;
  #lastDate = new Date(0);

  constructor(opts: AuditLogOptions) {
    this.strict = opts.mode === 'strict';
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#systemClock = opts.clock === systemClock;
    this.#logger = opts.logger;
    this.#interval = opts.flushIntervalMs ?? 25;
    this.#maxBatch = Math.max(1, opts.maxBatch ?? 500);
    this.#maxBuffered = Math.max(this.#maxBatch, opts.maxBuffered ?? 100_000);
    this.#highWater = Math.max(this.#maxBatch, opts.highWater ?? Math.min(10 * this.#maxBatch, Math.floor(this.#maxBuffered / 2)));
    this.#maxRetryDelay = opts.maxRetryDelayMs ?? (this.strict ? 1000 : 30_000);
    this.#health = new AuditHealth(opts.logger, this.strict, () => this.#buffer.length + (this.#inflight?.length ?? 0));
    this.#waiters = createDurableWaiters(opts.strictTimeoutMs ?? 1000, () => this.#health.deadlineMissed());
    this.#pressure = new Backpressure(opts.backpressureTimeoutMs ?? 1000);
    this.#schedule = new FlushSchedule(
      () => this.#attempt(),
      (ok, askedAgain) => this.#afterFlush(ok, askedAgain),
    );
  }

  record(event: NewAuditEvent): void {
    if (this.#closed) {
      this.#health.dropped(1, 'closed');
      return;
    }
    const n = this.#buffer.push(this.#stamp(event));
    if (n > this.#maxBuffered) this.#shed();
    if (this.#health.failures > 0) return; // the retry timer is already set
    // A full batch is written now, not when a timer fires: a caller that never
    // yields (awaits that all resolve at once) would starve the timer.
    if (n >= this.#maxBatch) this.#schedule.now();
    else if (this.#schedule.idle) this.#schedule.later(this.#interval);
  }

  backpressure(): Promise<void> | undefined {
    if (this.#buffer.length < this.#highWater) return undefined;
    // Only while an append is under way and the store takes writes: during an
    // outage buffered mode goes on without a record (bounded, counted, loud).
    if (!this.#schedule.running || this.#health.failures > 0 || this.#health.failing || this.#closed) return undefined;
    return this.#pressure.wait();
  }

  recordDurable(event: NewAuditEvent): Promise<void> {
    try {
      this.assertWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    const stamped = this.#stamp(event);
    this.#buffer.push(stamped);
    if (this.#buffer.length > this.#maxBuffered) this.#shed();
    // Group commit: everything recorded before the immediate fires shares one append.
    this.#schedule.soon();
    return this.#waiters.wait(stamped).catch((err: unknown) => {
      this.#health.refused();
      throw err;
    });
  }

  assertWritable(): void {
    if (!this.#health.failing && !this.#closed) return;
    this.#health.refused();
    throw new AuditUnavailableError();
  }

  flush(): Promise<void> {
    return this.#attempt().catch((err: unknown) => {
      // The events stay buffered; make sure something retries them.
      if (!this.#closed) this.#schedule.later(this.#retryDelay());
      throw err;
    });
  }

  async list(q: AuditQuery = {}): Promise<AuditEvent[]> {
    await this.#tryFlush();
    return this.#store.listAudit(q);
  }

  async verify(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    await this.#tryFlush();
    return this.#store.verifyAudit(opts);
  }

  async head(): Promise<AuditAnchor> {
    await this.#tryFlush();
    return this.#store.auditHead();
  }

  stats(): AuditStats {
    const oldest = this.#inflight?.[0] ?? this.#buffer[0];
    return {
      mode: this.strict ? 'strict' : 'buffered',
      pending: this.#buffer.length + (this.#inflight?.length ?? 0),
      oldestPendingSeconds: oldest ? Math.max(0, (this.#clock.now().getTime() - oldest.at.getTime()) / 1000) : 0,
      ...this.#health.counters(),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#schedule.cancel();
    this.#pressure.appendEnded();
    try {
      await this.#enqueue();
    } catch (err) {
      this.#logger.error(
        { component: 'audit', lost: this.#buffer.length, code: codeOf(err) },
        'audit events could not be written at close',
      );
      this.#waiters.failAll(new AuditUnavailableError(undefined, { cause: err }));
      throw err;
    }
  }

  /** A copy of `e` holding exactly the fields the chain stores, field by field (a spread costs ten times as much). */
  #stamp(e: NewAuditEvent): StampedAuditEvent {
    return {
      at: e.at ?? this.#now(),
      actor: e.actor,
      userId: e.userId,
      itemId: e.itemId,
      action: e.action,
      purpose: e.purpose,
      outcome: e.outcome,
      requestId: e.requestId,
    };
  }

  #now(): Date {
    if (!this.#systemClock) return this.#clock.now();
    const ms = Date.now();
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastDate = new Date(ms);
    }
    return this.#lastDate;
  }

  /** A flush whose failure the caller does not need: it is logged, counted and retried like any other. */
  #tryFlush(): Promise<void> {
    return this.flush().catch(() => {});
  }

  /** Drop a slice of the oldest, not one event per call, so a long outage costs O(1) amortised. */
  #shed(): void {
    const excess = this.#buffer.length - this.#maxBuffered + Math.ceil(this.#maxBuffered / 100);
    const gone = this.#buffer.splice(0, excess);
    this.#health.dropped(excess, 'buffer_full');
    this.#waiters.fail(gone, new AuditUnavailableError());
  }

  #enqueue(): Promise<void> {
    const run = this.#chain.then(() => this.#drain());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** One flush through the chain, with the bookkeeping every caller needs. */
  #attempt(): Promise<void> {
    return this.#enqueue().then(
      () => this.#health.succeeded(),
      (err: unknown) => {
        this.#onFailure(err);
        throw err;
      },
    );
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
      this.#inflight = batch;
      try {
        await this.#store.appendAudit(batch);
      } catch (err) {
        // Put the batch back in front, in order; the bound applies again on the next record.
        this.#buffer = batch.concat(this.#buffer);
        throw err;
      } finally {
        this.#inflight = undefined;
      }
      this.#waiters.settle(batch);
    }
  }

  /** Every strict waiter is refused at once: its event stays buffered and is written later. */
  #onFailure(err: unknown): void {
    this.#health.appendFailed(err);
    this.#waiters.failAll(new AuditUnavailableError(undefined, { cause: err }));
  }

  #retryDelay(): number {
    return Math.min(this.#maxRetryDelay, this.#interval * 2 ** Math.min(this.#health.failures, 20));
  }

  /** What follows a flush the log started: a retry after a failure, the next batch at once, or a timer for a partial one. */
  #afterFlush(ok: boolean, askedAgain: boolean): void {
    this.#pressure.appendEnded();
    if (this.#closed) return;
    if (!ok) this.#schedule.later(this.#retryDelay(), true);
    else if (askedAgain || this.#buffer.length >= this.#maxBatch) this.#schedule.now();
    else if (this.#buffer.length > 0) this.#schedule.later(this.#interval);
  }
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
