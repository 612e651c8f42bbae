import { AuditUnavailableError } from '../errors.js';

/**
 * Strict mode's callers waiting for their own audit event to be committed,
 * keyed by the buffered event object itself (the log appends that very object,
 * so no id or counter is needed, and buffered mode pays nothing: settle() is a
 * size check when nobody waits).
 */
export interface DurableWaiters {
  /** Resolves when settle() sees `event`; rejects with ERR_AUDIT_UNAVAILABLE after the timeout or on fail(). */
  wait(event: object): Promise<void>;
  /** These events are committed. */
  settle(events: readonly object[]): void;
  /** These events will never be written (dropped). */
  fail(events: readonly object[], err: Error): void;
  /** An append failed: refuse every waiter now (their events stay buffered and are written later). */
  failAll(err: Error): void;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** @param onDeadline called when a waiter times out, before it is rejected. */
export function createDurableWaiters(timeoutMs: number, onDeadline: () => void): DurableWaiters {
  const waiters = new Map<object, Waiter>();

  const finish = (event: object, err: Error | null): void => {
    const waiter = waiters.get(event);
    if (!waiter) return;
    waiters.delete(event);
    clearTimeout(waiter.timer);
    if (err) waiter.reject(err);
    else waiter.resolve();
  };

  return {
    wait(event) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(event);
          onDeadline();
          reject(new AuditUnavailableError());
        }, timeoutMs);
        // Not unref'd: the log's own timers are, and a caller awaiting its event
        // must keep the process alive until the write or the deadline.
        waiters.set(event, { resolve, reject, timer });
      });
    },
    settle(events) {
      if (waiters.size === 0) return;
      for (const event of events) finish(event, null);
    },
    fail(events, err) {
      if (waiters.size === 0) return;
      for (const event of events) finish(event, err);
    },
    failAll(err) {
      for (const event of [...waiters.keys()]) finish(event, err);
    },
  };
}
