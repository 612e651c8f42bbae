import type { RedisOptions } from 'ioredis';

/** One node connection, as a Cluster's pool holds them (an ioredis `Redis`). */
export interface ClusterNodeConnection {
  readonly options: { host?: string; port?: number };
}

/** The part of an ioredis `Cluster` the cache reads to find its masters. */
export interface ClusterTopology<Node extends ClusterNodeConnection = ClusterNodeConnection> {
  /** True on a `Cluster` (a plain `Redis` has it too, false). */
  readonly isCluster: boolean;
  /** Per slot, the keys (`host:port`) of the nodes serving it, master first. */
  readonly slots: readonly (readonly string[] | undefined)[];
  readonly options: { redisOptions?: Partial<RedisOptions> | undefined };
  readonly status: string;
  nodes(role: 'all' | 'master'): Node[];
  on(event: 'refresh' | 'ready', listener: () => void): unknown;
  removeListener(event: 'refresh' | 'ready', listener: () => void): unknown;
}

/** An ioredis `Cluster` (its `isCluster` is true; a plain `Redis` has it false). */
export function isClusterClient(client: unknown): client is ClusterTopology {
  return typeof client === 'object' && client !== null && (client as { isCluster?: unknown }).isCluster === true;
}

/**
 * The masters of the slot table (`host:port`), each once. Taken from the slot
 * table, not from the pool's live connections: a master that is down keeps
 * its slots (and its place here) until the cluster gives them to another node.
 */
export function masterKeys(cluster: Pick<ClusterTopology, 'slots'>): string[] {
  const keys = new Set<string>();
  for (const nodes of cluster.slots) if (nodes?.[0] !== undefined) keys.add(nodes[0]);
  return [...keys].sort();
}

/** `host:port` of a key from the slot table (the host may be an IPv6 address). */
export function splitNodeKey(key: string): { host: string; port: number } {
  const at = key.lastIndexOf(':');
  return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
}

/**
 * The connections whose keyspaces together hold every key: each master of a
 * Cluster, or a single client itself. SCAN on a Cluster client would visit
 * one node picked at random. Throws (code `CLUSTER_MASTER_UNAVAILABLE`) when the
 * cluster has no slot table yet or a master has no connection: a sweep that
 * skipped a master would report itself complete without being so.
 *
 * @example
 * for (const node of eachMaster(client)) await node.scan('0', 'MATCH', pattern, 'COUNT', 500);
 */
export function eachMaster<C>(client: C): C[] {
  if (!isClusterClient(client)) return [client];
  const masters = masterKeys(client);
  const byKey = new Map(client.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const nodes = masters.map((key) => byKey.get(key));
  if (masters.length === 0 || nodes.some((node) => node === undefined)) {
    throw Object.assign(new Error('a cluster master has no connection'), { code: 'CLUSTER_MASTER_UNAVAILABLE' });
  }
  // The pool's node connections answer the same commands the sweeps send to the client.
  return nodes as unknown as C[];
}
