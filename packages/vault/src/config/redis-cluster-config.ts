/**
 * `VAULT_REDIS_CLUSTER_NODES`: the seed nodes of a Redis Cluster, parsed
 * without I/O (parseConfig uses it; the client is built in cache/). Entries are
 * `host:port`, `[ipv6]:port`, or `redis://[user[:password]@]host:port`
 * (`rediss://` for TLS). Credentials and TLS apply to every node of the
 * cluster, including the ones discovered from the seeds, so entries that give
 * them must agree. Error messages never quote an entry: it may hold a password.
 */
import type { RedisClusterNode, RedisClusterSpec } from '../types/config.js';
import { hide } from './sealed-config.js';

export const CLUSTER_NODES_HINT =
  'VAULT_REDIS_CLUSTER_NODES must be a comma-separated list of host:port (or redis://[user:password@]host:port; rediss:// for TLS)';

interface Entry extends RedisClusterNode {
  scheme?: 'redis:' | 'rediss:';
  username?: string;
  password?: string;
}

/**
 * The cluster's seeds and connection settings, or the reason the value is refused.
 *
 * @example
 * parseClusterNodes('10.0.0.1:7000,10.0.0.2:7000');
 * // { spec: { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }], tls: false } }
 */
export function parseClusterNodes(value: string | readonly string[]): { spec: RedisClusterSpec } | { error: string } {
  const raw = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter(Boolean);
  if (raw.length === 0) return { error: `${CLUSTER_NODES_HINT}; it is empty` };
  const entries: Entry[] = [];
  for (const [i, text] of raw.entries()) {
    const entry = parseEntry(text);
    if (entry === undefined) return { error: `${CLUSTER_NODES_HINT}; entry ${i + 1} is not one` };
    entries.push(entry);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const key = `${e.host}:${e.port}`;
    if (seen.has(key)) return { error: `VAULT_REDIS_CLUSTER_NODES lists ${key} twice; list each node once` };
    seen.add(key);
  }
  const schemes = new Set(entries.map((e) => e.scheme).filter((s) => s !== undefined));
  if (schemes.size > 1) return { error: 'VAULT_REDIS_CLUSTER_NODES mixes redis:// and rediss://; TLS applies to every node, use one' };
  const credentials = new Set(
    entries.filter((e) => e.username !== undefined || e.password !== undefined).map((e) => `${e.username}\n${e.password}`),
  );
  if (credentials.size > 1)
    return { error: 'VAULT_REDIS_CLUSTER_NODES gives different credentials; every node uses the same, give them once' };
  const withCredentials = entries.find((e) => e.username !== undefined || e.password !== undefined);
  return {
    spec: {
      nodes: entries.map(({ host, port }) => ({ host, port })),
      tls: schemes.has('rediss:'),
      ...(withCredentials?.username !== undefined && { username: withCredentials.username }),
      ...(withCredentials?.password !== undefined && { password: withCredentials.password }),
    },
  };
}

function parseEntry(text: string): Entry | undefined {
  if (/^rediss?:\/\//.test(text)) return parseUrlEntry(text);
  // Bare host:port, the host possibly a bracketed IPv6 address.
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function parseUrlEntry(text: string): Entry | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  // A cluster has no database numbers and takes no options here: a path or query is a mistake.
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '' || url.hostname === '') return undefined;
  const entry: Entry = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 6379 : Number(url.port),
    scheme: url.protocol as 'redis:' | 'rediss:',
  };
  if (url.username !== '') entry.username = decodeURIComponent(url.username);
  if (url.password !== '') entry.password = decodeURIComponent(url.password);
  return entry;
}

/**
 * VAULT_REDIS_CLUSTER_NODES parsed, its password hidden like the other secrets,
 * or undefined with a problem added when it is invalid or another L2 is set too
 * (VAULT_REDIS_URL, or a KV REST API: one L2 tier at a time).
 *
 * @example
 * const cluster = clusterFrom(c.VAULT_REDIS_CLUSTER_NODES, { url: false, kv: false }, problems);
 */
export function clusterFrom(
  value: string | readonly string[] | undefined,
  others: { url: boolean; kv: boolean },
  problems: { variable: string; message: string }[],
): RedisClusterSpec | undefined {
  if (value === undefined) return undefined;
  if (others.url) {
    problems.push({
      variable: 'VAULT_REDIS_CLUSTER_NODES',
      message:
        'VAULT_REDIS_CLUSTER_NODES and VAULT_REDIS_URL are both set; set VAULT_REDIS_URL for one Redis or VAULT_REDIS_CLUSTER_NODES for a Redis Cluster, not both',
    });
    return undefined;
  }
  if (others.kv) {
    problems.push({
      variable: 'VAULT_REDIS_CLUSTER_NODES',
      message: 'set VAULT_REDIS_CLUSTER_NODES or a KV REST API (KV_REST_API_URL), not both',
    });
    return undefined;
  }
  const parsed = parseClusterNodes(value);
  if ('error' in parsed) {
    problems.push({ variable: 'VAULT_REDIS_CLUSTER_NODES', message: parsed.error });
    return undefined;
  }
  const { password, ...rest } = parsed.spec;
  const spec = { ...rest, nodes: parsed.spec.nodes.map((n) => ({ ...n })) };
  hide(spec, 'password', password);
  return spec;
}
