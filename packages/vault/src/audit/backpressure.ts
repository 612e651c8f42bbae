/**
 * Buffered mode's back-pressure (AuditLog.backpressure): callers that find too
 * many events waiting share one promise, released when the running append
 * ends. A store that neither finishes nor fails must not hold token use up
 * (buffered mode never waits for a broken log): after `timeoutMs` the waiters
 * go on, and nobody waits again until that append ends.
 */
export class Backpressure {
  readonly #timeoutMs: number;
  #waiting: Promise<void> | undefined;
  #release: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The running append outlasted the timeout: no back-pressure until it ends. */
  #suspended = false;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** The promise to wait on, or undefined while suspended. */
  wait(): Promise<void> | undefined {
    if (this.#suspended) return undefined;
    if (this.#waiting === undefined) {
      this.#waiting = new Promise<void>((resolve) => (this.#release = resolve));
      // Not unref'd, like strict mode's deadline: a script awaiting this must not exit under it.
      this.#timer = setTimeout(() => {
        this.#suspended = true;
        this.#settle();
      }, this.#timeoutMs);
    }
    return this.#waiting;
  }

  /** An append ended (written or failed): release the waiters; the next wait starts afresh. */
  appendEnded(): void {
    this.#suspended = false;
    this.#settle();
  }

  #settle(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const release = this.#release;
    this.#waiting = undefined;
    this.#release = undefined;
    release?.();
  }
}
