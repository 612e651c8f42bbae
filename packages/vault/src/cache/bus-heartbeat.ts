/**
 * A PING every `intervalMs` on the subscriber connection, each with its own
 * deadline: a PING unanswered after `timeoutMs` calls `onMiss` once.
 *
 * Why a PING on that connection: Redis writes the PONG into the same stream as
 * the messages published before it, so a PONG received means every
 * invalidation published before the PING was sent has been delivered. A
 * connection that stops carrying packets without a FIN or RST (a partition, a
 * dead load balancer, a frozen server) looks healthy to the socket; the
 * missing PONG is what shows it. The longest an instance can go on trusting a
 * silent connection is therefore `intervalMs + timeoutMs` after it went silent
 * (the first PING sent after it, plus its deadline).
 *
 * The deadline is checked after the event loop's I/O phase (setImmediate from
 * the timer): after a long pause of the process, the PONG may already be
 * waiting on the socket when the timer fires (DECISIONS 17).
 */
export interface Heartbeat {
  /** Begin (again): the first PING goes out at once. */
  start(): void;
  /** Stop; answers and deadlines of PINGs already sent are ignored. */
  stop(): void;
}

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  ping(): Promise<unknown>;
  onMiss(): void;
}

export function createHeartbeat(opts: HeartbeatOptions): Heartbeat {
  let run = 0;
  let timer: NodeJS.Timeout | undefined;

  const miss = (r: number): void => {
    if (r !== run) return;
    stop();
    opts.onMiss();
  };
  const beat = (r: number): void => {
    if (r !== run) return;
    let answered = false;
    const deadline = setTimeout(() => setImmediate(() => answered || miss(r)), opts.timeoutMs);
    deadline.unref();
    opts.ping().then(
      () => {
        answered = true;
        clearTimeout(deadline);
      },
      // A refused PING means the connection is gone ('close' follows) or unusable.
      () => miss(r),
    );
    timer = setTimeout(beat, opts.intervalMs, r);
    timer.unref();
  };
  const stop = (): void => {
    run += 1;
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    start() {
      stop();
      beat(run);
    },
    stop,
  };
}
