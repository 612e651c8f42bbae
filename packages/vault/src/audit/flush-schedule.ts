/**
 * When the audit log writes: after a delay (the flush interval, a retry's
 * back-off), on the next turn of the event loop (strict mode's group commit),
 * or at once (a full batch). One flush at a time: asked for while one runs,
 * the next starts as soon as it ends. `run` rejects when the flush fails; `after`
 * decides what comes next.
 */
export class FlushSchedule {
  readonly #run: () => Promise<void>;
  readonly #after: (ok: boolean, askedAgain: boolean) => void;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = 0;
  /** setImmediate, not setTimeout(0): the latter waits at least 1 ms, which strict mode would add to every token use. */
  #immediate: NodeJS.Immediate | undefined;
  #running = false;
  #again = false;

  constructor(run: () => Promise<void>, after: (ok: boolean, askedAgain: boolean) => void) {
    this.#run = run;
    this.#after = after;
  }

  /** A flush started here is queued or running. */
  get running(): boolean {
    return this.#running;
  }

  /** Nothing is due or running: a new event needs a timer. */
  get idle(): boolean {
    return this.#timer === undefined && this.#immediate === undefined && !this.#running;
  }

  /**
   * Flush now, not from a timer: with better-sqlite3 the append is synchronous,
   * so it completes within the microtasks of a loop that never yields (which
   * would starve any timer).
   */
  now(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.cancel();
    this.#running = true;
    this.#run().then(
      () => this.#done(true),
      () => this.#done(false),
    );
  }

  /** Flush on the next turn of the event loop, with whatever is recorded until then. */
  soon(): void {
    if (this.#immediate) return;
    this.cancel();
    // Not unref'd: an unref'd immediate does not wake a loop blocked in poll, and it runs at once anyway.
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.now();
    });
  }

  /** Flush in `delayMs`, unless something is due sooner (or, with `replace`, instead of what is due). */
  later(delayMs: number, replace = false): void {
    if (this.#immediate) return; // a flush is already due now
    const due = Date.now() + delayMs;
    if (this.#timer && !replace && this.#timerDue <= due) return;
    this.cancel();
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.now();
    }, delayMs);
    // Never keep the process alive just for audit: close() flushes explicitly.
    this.#timer.unref();
  }

  /** Drop what is due (a running flush goes on). */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #done(ok: boolean): void {
    this.#running = false;
    const again = this.#again;
    this.#again = false;
    this.#after(ok, again);
  }
}
