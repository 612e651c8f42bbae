import type { Logger } from '../types/logger.js';
import { createHeartbeat } from './bus-heartbeat.js';

/** The subscriber side of ioredis that the bus uses. */
export interface SubscriberClient {
  on(event: 'connect' | 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  /** `reconnect: true` drops the connection and opens a new one (ioredis). */
  disconnect(reconnect?: boolean): void;
  readonly status: string;
}

/** Defaults: a silent connection is noticed within 250 + 500 = 750 ms. */
export const HEARTBEAT_INTERVAL_MS = 250;
export const HEARTBEAT_TIMEOUT_MS = 500;

export interface InvalidationBusOptions {
  subscriber: SubscriberClient;
  channel: string;
  logger: Logger;
  /** A hashed key some instance invalidated. */
  onMessage(message: string): void;
  /**
   * Subscribed (again): every invalidation published from now on arrives.
   * Those sent while the bus was down are lost, so what L1 holds must go.
   */
  onUp(): void;
  /** From now on invalidations may be missed: the connection closed, or a PING went unanswered. */
  onDown(): void;
  heartbeat?: { intervalMs?: number; timeoutMs?: number };
}

export interface InvalidationBus {
  /** Subscribed, and the last PING came back in time. */
  readonly up: boolean;
  close(): Promise<void>;
}

/**
 * Listens for invalidations on a dedicated connection (a subscribed connection
 * can run no other command). It subscribes itself on every `ready` rather than
 * relying on ioredis' auto-resubscribe, so it knows when the subscription is
 * live again. It is `up` from a completed SUBSCRIBE until the connection closes
 * or a heartbeat PING goes unanswered; then it drops the connection and opens
 * a new one. A connection that opens but does not get as far as a
 * subscription within twice the PING timeout (a handshake stuck on a silent
 * path) is dropped and opened again too.
 */
export function createInvalidationBus(opts: InvalidationBusOptions): InvalidationBus {
  const { subscriber, channel, logger } = opts;
  const timeoutMs = opts.heartbeat?.timeoutMs ?? HEARTBEAT_TIMEOUT_MS;
  let up = false;
  let everUp = false;
  let closed = false;
  let downLogged = false;
  /** Bumped on every connection and close: a late answer from an earlier connection changes nothing. */
  let connection = 0;

  const reconnect = (): void => {
    if (!closed) subscriber.disconnect(true);
  };
  const down = (reason: 'closed' | 'heartbeat'): void => {
    heartbeat.stop();
    if (up) {
      up = false;
      opts.onDown();
    }
    if (!closed && !downLogged) {
      downLogged = true;
      logger.warn({ channel, reason }, 'cache invalidation bus down; in-process cache bypassed until it is back');
    }
  };
  const heartbeat = createHeartbeat({
    intervalMs: opts.heartbeat?.intervalMs ?? HEARTBEAT_INTERVAL_MS,
    timeoutMs,
    ping: () => subscriber.ping(),
    onMiss() {
      down('heartbeat');
      reconnect();
    },
  });

  subscriber.on('message', (from, message) => {
    if (from === channel) opts.onMessage(message);
  });
  subscriber.on('connect', () => {
    const current = (connection += 1);
    const watchdog = setTimeout(() => {
      if (!up && connection === current) reconnect();
    }, 2 * timeoutMs);
    watchdog.unref();
  });
  subscriber.on('ready', () => {
    const current = connection;
    subscriber.subscribe(channel).then(
      () => {
        if (closed || up || connection !== current) return;
        up = true;
        if (everUp || downLogged) logger.info({ channel }, 'cache invalidation bus back; in-process cache cleared and in use again');
        everUp = true;
        downLogged = false;
        opts.onUp();
        heartbeat.start();
      },
      () => {
        // The connection failed meanwhile: its 'close' reconnects, and the next 'ready' tries again.
      },
    );
  });
  subscriber.on('close', () => {
    connection += 1;
    down('closed');
  });
  // Without a listener ioredis would print every connection error; the bus logs the outage once.
  subscriber.on('error', () => {});
  if (subscriber.status === 'wait') subscriber.connect().catch(() => {});

  return {
    get up() {
      return up;
    },
    async close() {
      closed = true;
      heartbeat.stop();
      up = false;
      // QUIT on a connection that went silent would never be answered: wait as long as for a PING.
      const quit =
        subscriber.status === 'ready' &&
        (await bounded(
          subscriber.quit().then(
            () => true,
            () => false,
          ),
          timeoutMs,
        ));
      if (quit !== true) subscriber.disconnect();
    },
  };
}

/** `work`, or undefined after `ms`, whichever is first. */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
