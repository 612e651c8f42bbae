/**
 * How a parsed configuration keeps its secrets: non-enumerable fields, and
 * printing hooks (util.inspect, JSON) on every level that show "[redacted]"
 * and URLs without their password; then frozen deeply.
 */
import { inspect } from 'node:util';
import type { RedisClusterSpec, VaultConfig } from '../types/config.js';

const REDACTED = '[redacted]';

/** Secrets are non-enumerable: spreads, Object.keys and JSON skip them. */
export function hide(target: object, key: string, value: string | undefined): void {
  if (value !== undefined) Object.defineProperty(target, key, { value, enumerable: false });
}

/** A URL with any password replaced: `postgres://app:[redacted]@db/vault`. */
function redactUrl(value: string): string {
  if (!URL.canParse(value)) return value;
  const parsed = new URL(value);
  if (parsed.password === '') return value;
  parsed.password = 'redacted';
  return parsed.toString();
}

/** The spec as it may be printed: nodes and TLS, the password replaced. */
export function printableClusterSpec(spec: RedisClusterSpec): object {
  return {
    nodes: spec.nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`),
    tls: spec.tls,
    ...(spec.username !== undefined && { username: spec.username }),
    ...(spec.password !== undefined && { password: REDACTED }),
  };
}

/** What printing `config` shows: everything but secrets, which appear as "[redacted]" when set. */
function printable(config: VaultConfig): object {
  const mark = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: REDACTED });
  return deepFreeze({
    ...config,
    database: { ...config.database, url: redactUrl(config.database.url) },
    ...(config.redis && { redis: { url: redactUrl(config.redis.url) } }),
    ...(config.redisCluster && { redisCluster: printableClusterSpec(config.redisCluster) }),
    ...(config.kv && { kv: { url: redactUrl(config.kv.url), token: REDACTED } }),
    ...mark('keys', config.keys),
    ...mark('keysCommand', config.keysCommand),
    ...mark('metricsToken', config.metricsToken),
    plaid: { ...config.plaid, ...mark('secret', config.plaid.secret) },
  });
}

/** Attach the printing hooks (util.inspect, JSON) to every level, then freeze deeply. */
export function seal(config: VaultConfig): Readonly<VaultConfig> {
  const view = printable(config) as Record<string, object>;
  const hook = (target: object, shown: object) => {
    Object.defineProperty(target, 'toJSON', { value: () => shown, enumerable: false });
    Object.defineProperty(target, inspect.custom, {
      value: (_depth: number, options: object) => inspect(shown, options),
      enumerable: false,
    });
  };
  hook(config, view);
  hook(config.database, view.database!);
  hook(config.plaid, view.plaid!);
  if (config.redis) hook(config.redis, view.redis!);
  if (config.redisCluster) hook(config.redisCluster, view.redisCluster!);
  if (config.kv) hook(config.kv, view.kv!);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
