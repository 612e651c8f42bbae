/** Rejection reason of a command that outlived its deadline. */
export const TIMED_OUT = new Error('redis command timed out');

/**
 * Bounds promises by a deadline without one timer per command: a single
 * interval (running only while something is pending, never keeping the process
 * alive) rejects whatever is overdue. A per-command setTimeout/clearTimeout
 * pair cost more than the rest of an L2 hit's own overhead.
 * A bounded promise is rejected between `timeoutMs` and `1.25 * timeoutMs` late
 * (plus one event-loop turn).
 */
export interface DeadlineSweeper {
  bound<T>(op: Promise<T>): Promise<T>;
  close(): void;
}

interface Pending {
  at: number;
  reject(reason: unknown): void;
}

export function createDeadlineSweeper(timeoutMs: number): DeadlineSweeper {
  const pending = new Set<Pending>();
  const tickMs = Math.max(1, Math.floor(timeoutMs / 4));
  let timer: NodeJS.Timeout | undefined;

  const expire = (overdue: Pending[]): void => {
    for (const p of overdue) {
      if (pending.delete(p)) p.reject(TIMED_OUT);
    }
  };
  const sweep = (): void => {
    if (pending.size === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    const now = performance.now();
    const overdue: Pending[] = [];
    for (const p of pending) if (p.at <= now) overdue.push(p);
    // Timers run before the event loop reads sockets: after a busy stretch the reply may
    // already be waiting. Expire after this loop turn's I/O, so only a really late reply counts.
    if (overdue.length > 0) setImmediate(expire, overdue);
  };

  return {
    bound<T>(op: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Pending = { at: performance.now() + timeoutMs, reject };
        pending.add(entry);
        if (timer === undefined) {
          timer = setInterval(sweep, tickMs);
          timer.unref();
        }
        op.then(
          (value) => {
            pending.delete(entry);
            resolve(value);
          },
          (error: unknown) => {
            pending.delete(entry);
            reject(error);
          },
        );
      });
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
