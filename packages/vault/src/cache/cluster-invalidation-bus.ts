import type { DuplicableNode } from './cache-options.js';
import { masterKeys, splitNodeKey, type ClusterTopology } from './cluster-topology.js';
import { createInvalidationBus, type InvalidationBus, type InvalidationBusOptions } from './invalidation-bus.js';
import { createFirstCopy } from './first-copy.js';
import { subscriberOptions } from './redis-client.js';

export interface ClusterInvalidationBusOptions extends Omit<InvalidationBusOptions, 'subscriber'> {
  /**
   * The cache's command client; the bus reads its slot table and connection options, and sends nothing through it.
   * Its node connections make the subscribers (`duplicate`), so this module never imports ioredis itself.
   */
  cluster: ClusterTopology<DuplicableNode>;
}

/**
 * The invalidation bus on a Redis Cluster: one subscriber connection to every
 * master of the slot table, each a bus of its own (invalidation-bus.ts: its
 * SUBSCRIBE, its PING heartbeat), and the whole `up` only while every one is.
 *
 * Why every master, when Redis Cluster already relays a classic PUBLISH to
 * every node: the invalidation script PUBLISHes on the master that holds the
 * item's slot, and only there does a PONG prove that every message published
 * before the PING was delivered (entry 16's argument). A message relayed over
 * the cluster bus to another node carries no such order, and a master that
 * is down or cut off from the others would leave a subscriber elsewhere
 * looking healthy while its invalidations go nowhere. A master that is down,
 * silent or not yet subscribed keeps L1 off on this instance.
 *
 * Every message reaches every subscriber (published on one master, relayed
 * by it to the others), so each arrives once per master. The first copy is
 * passed on, the others dropped (first-copy.ts): a later copy would mark a
 * load begun after the first one stale (no fill) and send the instance back
 * to the database for that item. The first copy comes no later than the one
 * from the publishing master, whose PONG orders it, so the heartbeat's bound
 * holds. (Passing on only the copy from the master that serves the item's
 * slot, by the client's slot table, lost messages while a resharding moved
 * the slot between two reads of the table.)
 *
 * The slot table is read again on every refresh of the cluster client
 * (ioredis refreshes it every 5 s and on MOVED): a new master gets a
 * subscriber (the bus is down until it is subscribed), a node that no longer
 * holds slots loses its own (a failed-over master, once its replica took over).
 */
export function createClusterInvalidationBus(opts: ClusterInvalidationBusOptions): InvalidationBus {
  const { cluster } = opts;
  const buses = new Map<string, InvalidationBus>();
  let up = false;
  let closed = false;
  const listening = (): string[] => [...buses].filter(([, bus]) => bus.up).map(([key]) => key);
  const first = createFirstCopy({ listening });

  const settle = (): void => {
    const now = !closed && buses.size > 0 && [...buses.values()].every((bus) => bus.up);
    if (now === up) return;
    up = now;
    if (now) opts.onUp();
    else opts.onDown();
  };
  const open = (key: string, template: DuplicableNode): InvalidationBus => {
    const { host, port } = splitNodeKey(key);
    // The cluster's own connection options (credentials, TLS), tuned for a subscriber to a master.
    const subscriber = template.duplicate({ ...cluster.options.redisOptions, host, port, readOnly: false, ...subscriberOptions() });
    return createInvalidationBus({
      subscriber,
      channel: opts.channel,
      logger: opts.logger,
      ...(opts.heartbeat && { heartbeat: opts.heartbeat }),
      onMessage(message) {
        if (first.arrived(message, key)) opts.onMessage(message);
      },
      onUp: settle,
      onDown() {
        first.lost(key);
        settle();
      },
    });
  };
  const reconcile = (): void => {
    if (closed) return;
    const keys = new Set(masterKeys(cluster));
    // No slot table (not connected yet): nothing to subscribe to, and nothing to drop.
    if (keys.size === 0) return;
    for (const [key, bus] of buses) {
      if (keys.has(key)) continue;
      buses.delete(key);
      first.lost(key);
      void bus.close();
    }
    // A slot table comes with the pool's node connections; without one, the next refresh tries again (the bus stays down).
    const template = cluster.nodes('all')[0];
    if (!template) return;
    for (const key of keys) if (!buses.has(key)) buses.set(key, open(key, template));
    settle();
  };

  cluster.on('refresh', reconcile);
  reconcile();

  return {
    get up() {
      return up;
    },
    async close() {
      closed = true;
      cluster.removeListener('refresh', reconcile);
      const all = [...buses.values()];
      buses.clear();
      up = false;
      await Promise.all(all.map((bus) => bus.close()));
    },
  };
}
