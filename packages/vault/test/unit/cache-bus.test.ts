/**
 * The invalidation bus's own state, with a scripted subscriber (no network):
 * a PING left unanswered takes it down and opens a new connection; a
 * connection that never gets as far as a subscription is dropped and opened
 * again; each comes back up by itself. The real faults (a silent TCP proxy, a
 * SIGSTOPped or SIGKILLed redis-server) are in integration/cache-bus-outage.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createInvalidationBus, type SubscriberClient } from '../../src/cache/invalidation-bus.js';
import { silentLogger } from '../../src/types/logger.js';
import { waitFor } from '../fixtures/cache-helpers.js';

/** Connects at once; `answerPings` / `answerSubscribe` switch the two replies the bus waits for. */
class ScriptedSubscriber extends EventEmitter implements SubscriberClient {
  status = 'wait';
  answerPings = true;
  answerSubscribe = true;
  connections = 0;
  reconnects = 0;
  async connect(): Promise<void> {
    this.#open();
  }
  subscribe(): Promise<unknown> {
    return this.answerSubscribe ? Promise.resolve(1) : new Promise(() => {});
  }
  ping(): Promise<unknown> {
    return this.answerPings ? Promise.resolve(['pong', '']) : new Promise(() => {});
  }
  async quit(): Promise<unknown> {
    this.status = 'end';
    return 'OK';
  }
  disconnect(reconnect = false): void {
    this.status = 'close';
    this.emit('close');
    if (reconnect) {
      this.reconnects += 1;
      setImmediate(() => this.#open());
    }
  }
  #open(): void {
    this.connections += 1;
    this.status = 'connect';
    this.emit('connect');
    this.status = 'ready';
    this.emit('ready');
  }
}

function busOver(subscriber: ScriptedSubscriber) {
  const events: string[] = [];
  const bus = createInvalidationBus({
    subscriber,
    channel: 'pv:unit:inval',
    logger: silentLogger,
    heartbeat: { intervalMs: 5, timeoutMs: 20 },
    onMessage: () => {},
    onUp: () => events.push('up'),
    onDown: () => events.push('down'),
  });
  return { bus, events };
}

describe('invalidation bus', () => {
  it('goes down when a PING goes unanswered, opens a new connection, and comes back up', async () => {
    const subscriber = new ScriptedSubscriber();
    const { bus, events } = busOver(subscriber);
    await waitFor(() => bus.up, 1000, 'up');
    subscriber.answerPings = false;
    // The new connection subscribes at once (and goes down again while PINGs stay unanswered).
    await waitFor(() => events.includes('down') && subscriber.reconnects >= 1, 1000, 'down');
    subscriber.answerPings = true;
    const seen = events.length;
    await waitFor(() => bus.up && events.length > seen && events.at(-1) === 'up', 1000, 'up again');
    expect(events.slice(0, 3)).toEqual(['up', 'down', 'up']);
    await bus.close();
  });

  it('drops a connection that does not get as far as a subscription, and subscribes on the next', async () => {
    const subscriber = new ScriptedSubscriber();
    subscriber.answerSubscribe = false;
    const { bus, events } = busOver(subscriber);
    await waitFor(() => subscriber.reconnects >= 1, 1000, 'the watchdog');
    expect(bus.up).toBe(false);
    expect(events).toEqual([]);
    subscriber.answerSubscribe = true;
    await waitFor(() => bus.up, 1000, 'up');
    expect(subscriber.connections).toBeGreaterThanOrEqual(2);
    await bus.close();
    expect(bus.up).toBe(false);
  });
});
