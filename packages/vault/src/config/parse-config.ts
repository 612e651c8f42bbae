/**
 * The vault's configuration: one zod schema keyed by environment variable
 * name (schema.ts), so every error names the variable to fix. `parseConfig` is
 * pure (the caller passes the environment), fails closed and returns a frozen
 * object that never prints a secret (sealed-config.ts).
 */
import { join } from 'node:path';
import { ConfigInvalidError } from '../errors.js';
import { KEY_SOURCE_VARIABLES, keySourcesIn } from '../key-sources/key-variables.js';
import type { AuditMode } from '../types/audit.js';
import type { DuplicatePolicy, LogLevel, PlaidEnv, VaultConfig, VaultConfigInput } from '../types/config.js';
import { databaseDialect } from './database-url.js';
import { KV_TIMEOUT_MS, kvFrom, REDIS_TIMEOUT_MS } from './kv-config.js';
import { clusterFrom } from './redis-cluster-config.js';
import { configSchema, type RawConfig } from './schema.js';
import { hide, seal } from './sealed-config.js';

const INPUT_KEYS = new Set([
  'nodeEnv',
  'dataDir',
  'database',
  'redis',
  'kv',
  'serverless',
  'namespace',
  'cache',
  'keys',
  'keysFile',
  'keysCommand',
  'keysCommandTimeoutMs',
  'devKeyFile',
  'recoveryDir',
  'logLevel',
  'metricsToken',
  'autoMigrate',
  'audit',
  'plaid',
]);

/** The key sources: an empty value is kept so that it fails instead of falling back to a development key. */
const KEY_VARIABLES = new Set<string>(KEY_SOURCE_VARIABLES);

/** Input first, then the environment; empty env values count as unset, except the key sources (fail closed). */
function merge(input: VaultConfigInput, env: Record<string, string | undefined>): RawConfig {
  const e = (name: string) => (env[name] === '' && !KEY_VARIABLES.has(name) ? undefined : env[name]);
  const db = typeof input.database === 'string' ? { url: input.database } : (input.database ?? {});
  const redis = input.redis === null ? null : typeof input.redis === 'string' ? { url: input.redis } : (input.redis ?? {});
  // Where Redis is, is one setting: an explicit url or cluster replaces both variables, so they never clash with the env's.
  const redisFromInput = redis !== null && (redis.url !== undefined || redis.cluster !== undefined);
  // An explicit `kv` replaces both pairs of variables (it is read as Vercel's names).
  const kv = input.kv === undefined ? undefined : (input.kv ?? {});
  const p = input.plaid ?? {};
  // The key source is one setting: explicit keys, keysFile or keysCommand replace all three variables, so they never clash with the env's.
  const keysFromInput = keySourcesIn(input).length > 0;
  return {
    NODE_ENV: input.nodeEnv ?? e('NODE_ENV'),
    VAULT_DATA_DIR: input.dataDir ?? e('VAULT_DATA_DIR'),
    VAULT_DATABASE_URL: db.url ?? e('VAULT_DATABASE_URL'),
    VAULT_DATABASE_SCHEMA: db.schema ?? e('VAULT_DATABASE_SCHEMA'),
    VAULT_REDIS_URL: redis === null ? undefined : redisFromInput ? redis.url : e('VAULT_REDIS_URL'),
    VAULT_REDIS_CLUSTER_NODES:
      redis === null ? undefined : redisFromInput ? (redis.cluster as string[] | string | undefined) : e('VAULT_REDIS_CLUSTER_NODES'),
    VAULT_NAMESPACE: input.namespace ?? e('VAULT_NAMESPACE'),
    VAULT_CACHE_TTL_MS: input.cache?.l1?.ttlMs ?? e('VAULT_CACHE_TTL_MS'),
    VAULT_CACHE_MAX: input.cache?.l1?.max ?? e('VAULT_CACHE_MAX'),
    VAULT_REDIS_TTL_S: input.cache?.l2?.ttlSeconds ?? e('VAULT_REDIS_TTL_S'),
    VAULT_REDIS_TIMEOUT_MS: input.cache?.l2?.timeoutMs ?? e('VAULT_REDIS_TIMEOUT_MS'),
    KV_REST_API_URL: kv ? kv.url : e('KV_REST_API_URL'),
    KV_REST_API_TOKEN: kv ? kv.token : e('KV_REST_API_TOKEN'),
    UPSTASH_REDIS_REST_URL: kv ? undefined : e('UPSTASH_REDIS_REST_URL'),
    UPSTASH_REDIS_REST_TOKEN: kv ? undefined : e('UPSTASH_REDIS_REST_TOKEN'),
    VAULT_SERVERLESS: input.serverless ?? e('VAULT_SERVERLESS'),
    VAULT_KEYS: keysFromInput ? input.keys : e('VAULT_KEYS'),
    VAULT_KEYS_FILE: keysFromInput ? input.keysFile : e('VAULT_KEYS_FILE'),
    VAULT_KEYS_COMMAND: keysFromInput ? input.keysCommand : e('VAULT_KEYS_COMMAND'),
    VAULT_KEYS_COMMAND_TIMEOUT_MS: input.keysCommandTimeoutMs ?? e('VAULT_KEYS_COMMAND_TIMEOUT_MS'),
    VAULT_DEV_KEY_FILE: input.devKeyFile,
    VAULT_RECOVERY_DIR: input.recoveryDir ?? e('VAULT_RECOVERY_DIR'),
    VAULT_LOG_LEVEL: input.logLevel ?? (e('VAULT_LOG_LEVEL') as LogLevel | undefined),
    VAULT_METRICS_TOKEN: input.metricsToken ?? e('VAULT_METRICS_TOKEN'),
    VAULT_AUTO_MIGRATE: input.autoMigrate ?? e('VAULT_AUTO_MIGRATE'),
    VAULT_AUDIT_MODE: input.audit?.mode ?? (e('VAULT_AUDIT_MODE') as AuditMode | undefined),
    VAULT_AUDIT_STRICT_TIMEOUT_MS: input.audit?.strictTimeoutMs ?? e('VAULT_AUDIT_STRICT_TIMEOUT_MS'),
    PLAID_ENV: p.env ?? (e('PLAID_ENV') as PlaidEnv | undefined),
    PLAID_CLIENT_ID: p.clientId ?? e('PLAID_CLIENT_ID'),
    PLAID_SECRET: p.secret ?? e('PLAID_SECRET'),
    PLAID_BASE_URL: p.baseUrl ?? e('PLAID_BASE_URL'),
    PLAID_PRODUCTS: (p.products as string[] | string | undefined) ?? e('PLAID_PRODUCTS'),
    PLAID_COUNTRY_CODES: (p.countryCodes as string[] | string | undefined) ?? e('PLAID_COUNTRY_CODES'),
    PLAID_WEBHOOK_URL: p.webhookUrl ?? e('PLAID_WEBHOOK_URL'),
    PLAID_CLIENT_NAME: p.clientName ?? e('PLAID_CLIENT_NAME'),
    PLAID_DUPLICATE_POLICY: p.duplicatePolicy ?? (e('PLAID_DUPLICATE_POLICY') as DuplicatePolicy | undefined),
  };
}

function fail(problems: { variable: string; message: string }[]): never {
  const text = problems.map((p) => (p.message.startsWith(p.variable) ? p.message : `${p.variable}: ${p.message}`)).join('; ');
  throw new ConfigInvalidError(`Invalid configuration: ${text}.`, {
    details: { variables: [...new Set(problems.map((p) => p.variable))] },
  });
}

/**
 * Validate and resolve the configuration. Pure: reads only its arguments.
 * Explicit `input` fields win over `env`. Throws ERR_CONFIG_INVALID naming
 * every offending variable (never a secret's value).
 *
 * @example
 * const config = parseConfig({ database: 'sqlite::memory:' }, process.env);
 * config.plaid.products; // ['transactions']
 */
export function parseConfig(input: VaultConfigInput, env: Record<string, string | undefined>): Readonly<VaultConfig> {
  const unknown = Object.keys(input).filter((key) => !INPUT_KEYS.has(key));
  if (unknown.length > 0) fail(unknown.map((key) => ({ variable: key, message: 'is not a configuration option (check the spelling)' })));
  const parsed = configSchema.safeParse(merge(input, env));
  if (!parsed.success) fail(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'config'), message: issue.message })));
  const c = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  const hasId = c.PLAID_CLIENT_ID !== undefined;
  const hasSecret = c.PLAID_SECRET !== undefined;
  if (hasId !== hasSecret)
    problems.push({
      variable: hasId ? 'PLAID_SECRET' : 'PLAID_CLIENT_ID',
      message: 'set both PLAID_CLIENT_ID and PLAID_SECRET, or neither',
    });
  const plaidEnv: PlaidEnv = c.PLAID_ENV ?? (hasId && hasSecret ? 'sandbox' : 'emulator');
  if (plaidEnv !== 'emulator' && !(hasId && hasSecret))
    problems.push({ variable: 'PLAID_ENV', message: `${plaidEnv} needs PLAID_CLIENT_ID and PLAID_SECRET (or use PLAID_ENV=emulator)` });
  const databaseUrl = c.VAULT_DATABASE_URL ?? `sqlite:${join(c.VAULT_DATA_DIR, 'vault.db')}`;
  const dialect = databaseDialect(databaseUrl)!;
  if (dialect === 'sqlite' && c.VAULT_DATABASE_SCHEMA !== undefined)
    problems.push({ variable: 'VAULT_DATABASE_SCHEMA', message: 'applies to PostgreSQL only; unset it for SQLite' });
  const kv = kvFrom(c, problems);
  const redisCluster = clusterFrom(c.VAULT_REDIS_CLUSTER_NODES, { url: c.VAULT_REDIS_URL !== undefined, kv: kv !== undefined }, problems);
  if (problems.length > 0) fail(problems);

  const config: VaultConfig = {
    nodeEnv: c.NODE_ENV,
    dataDir: c.VAULT_DATA_DIR,
    database: { url: databaseUrl, dialect, ...(c.VAULT_DATABASE_SCHEMA !== undefined && { schema: c.VAULT_DATABASE_SCHEMA }) },
    ...(c.VAULT_REDIS_URL !== undefined && { redis: { url: c.VAULT_REDIS_URL } }),
    ...(redisCluster !== undefined && { redisCluster }),
    // The token is added by hide() below, non-enumerable.
    ...(kv && { kv: { url: kv.url } as NonNullable<VaultConfig['kv']> }),
    serverless: kv !== undefined || c.VAULT_SERVERLESS === true,
    namespace: c.VAULT_NAMESPACE,
    cache: {
      l1TtlMs: c.VAULT_CACHE_TTL_MS,
      l1Max: c.VAULT_CACHE_MAX,
      l2TtlSeconds: c.VAULT_REDIS_TTL_S,
      redisTimeoutMs: c.VAULT_REDIS_TIMEOUT_MS ?? (kv ? KV_TIMEOUT_MS : REDIS_TIMEOUT_MS),
    },
    ...(c.VAULT_KEYS_FILE !== undefined && { keysFile: c.VAULT_KEYS_FILE }),
    keysCommandTimeoutMs: c.VAULT_KEYS_COMMAND_TIMEOUT_MS,
    devKeyFile: c.VAULT_DEV_KEY_FILE ?? join(c.VAULT_DATA_DIR, 'dev-keys'),
    recoveryDir: c.VAULT_RECOVERY_DIR ?? join(c.VAULT_DATA_DIR, 'recovery'),
    logLevel: c.VAULT_LOG_LEVEL,
    autoMigrate: c.VAULT_AUTO_MIGRATE,
    audit: { mode: c.VAULT_AUDIT_MODE, strictTimeoutMs: c.VAULT_AUDIT_STRICT_TIMEOUT_MS },
    plaid: {
      env: plaidEnv,
      ...(c.PLAID_CLIENT_ID !== undefined && { clientId: c.PLAID_CLIENT_ID }),
      ...(c.PLAID_BASE_URL !== undefined && { baseUrl: c.PLAID_BASE_URL }),
      products: c.PLAID_PRODUCTS,
      countryCodes: c.PLAID_COUNTRY_CODES,
      ...(c.PLAID_WEBHOOK_URL !== undefined && { webhookUrl: c.PLAID_WEBHOOK_URL }),
      clientName: c.PLAID_CLIENT_NAME,
      duplicatePolicy: c.PLAID_DUPLICATE_POLICY,
    },
  };
  hide(config, 'keys', c.VAULT_KEYS);
  hide(config, 'keysCommand', c.VAULT_KEYS_COMMAND);
  hide(config, 'metricsToken', c.VAULT_METRICS_TOKEN);
  hide(config.plaid, 'secret', c.PLAID_SECRET);
  if (config.kv && kv) hide(config.kv, 'token', kv.token);
  return seal(config);
}
