import type { Logger } from '../types.js';

/** The subscriber side of ioredis that the bus uses. */
export interface SubscriberClient {
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  readonly status: string;
}

export interface InvalidationBusOptions {
  subscriber: SubscriberClient;
  channel: string;
  logger: Logger;
  /** A hashed key some instance invalidated. */
  onMessage(message: string): void;
  /** Subscribed (again): messages sent while we were away are lost, so L1 must be dropped. */
  onSubscribed(): void;
}

export interface InvalidationBus {
  readonly subscribed: boolean;
  close(): Promise<void>;
}

/**
 * Listens for invalidations on a dedicated connection (a subscribed connection
 * can run no other command). It subscribes itself on every `ready` rather than
 * relying on ioredis' auto-resubscribe, so it knows when the subscription is
 * live again and can clear L1 only after that (a clear before it would leave a
 * window where a missed message is neither received nor covered).
 */
export function createInvalidationBus(opts: InvalidationBusOptions): InvalidationBus {
  const { subscriber, channel, logger } = opts;
  let subscribed = false;
  let everSubscribed = false;
  let closed = false;
  let downLogged = false;

  subscriber.on('message', (from, message) => {
    if (from === channel) opts.onMessage(message);
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        if (closed) return;
        subscribed = true;
        if (everSubscribed || downLogged) logger.info({ channel }, 'cache invalidation bus reconnected; L1 cleared');
        everSubscribed = true;
        downLogged = false;
        opts.onSubscribed();
      },
      () => {
        // Next 'ready' (after the reconnect that follows) tries again.
      },
    );
  });
  subscriber.on('close', () => {
    subscribed = false;
    if (!closed && !downLogged) {
      downLogged = true;
      logger.warn({ channel }, 'cache invalidation bus disconnected; reconnecting');
    }
  });
  // Without a listener ioredis would print every connection error; 'close' logs the outage once.
  subscriber.on('error', () => {});
  if (subscriber.status === 'wait') subscriber.connect().catch(() => {});

  return {
    get subscribed() {
      return subscribed;
    },
    async close() {
      closed = true;
      subscribed = false;
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
      else subscriber.disconnect();
    },
  };
}
