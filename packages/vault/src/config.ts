/**
 * The vault's configuration: one zod schema keyed by environment variable
 * name, so every error names the variable to fix. `parseConfig` is pure (the
 * caller passes the environment), fails closed and returns a frozen object
 * that never prints a secret.
 */
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { CLUSTER_NODES_HINT, parseClusterNodes, printableClusterSpec, type RedisClusterSpec } from './cache/redis-cluster-spec.js';
import { DEFAULT_KEYS_COMMAND_TIMEOUT_MS } from './crypto/key-command.js';
import { ConfigInvalidError } from './errors.js';
import { PLAID_COUNTRY_CODES, PLAID_PRODUCTS } from './plaid-names.js';
import type { AuditMode } from './types.js';

export type PlaidEnv = 'emulator' | 'sandbox' | 'production';
export type DuplicatePolicy = 'replace' | 'keep' | 'reject';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Resolved configuration. Secrets (`keys`, `keysCommand`, `plaid.secret`, `metricsToken`, URL passwords) never print. */
export interface VaultConfig {
  nodeEnv: string;
  dataDir: string;
  database: { url: string; dialect: 'sqlite' | 'postgres'; schema?: string };
  /** Unset (and no `redisCluster`) = L1 only. */
  redis?: { url: string };
  /** VAULT_REDIS_CLUSTER_NODES: L2 on a Redis Cluster instead (never both). Its password never prints. */
  redisCluster?: RedisClusterSpec;
  /** Redis key namespace: `pv:<namespace>:...`. */
  namespace: string;
  cache: { l1TtlMs: number; l1Max: number; l2TtlSeconds: number; redisTimeoutMs: number };
  /** VAULT_KEYS, unparsed (loadKeyring parses it). */
  keys?: string;
  keysFile?: string;
  /** VAULT_KEYS_COMMAND: run once at start-up, its output is the keyring. Never printed (it may hold a credential). */
  keysCommand?: string;
  keysCommandTimeoutMs: number;
  devKeyFile: string;
  recoveryDir: string;
  logLevel: LogLevel;
  metricsToken?: string;
  autoMigrate: boolean;
  /** VAULT_AUDIT_MODE and, for strict mode, how long a token use waits for its event (VAULT_AUDIT_STRICT_TIMEOUT_MS). */
  audit: { mode: AuditMode; strictTimeoutMs: number };
  plaid: {
    env: PlaidEnv;
    clientId?: string;
    secret?: string;
    baseUrl?: string;
    products: readonly string[];
    countryCodes: readonly string[];
    webhookUrl?: string;
    clientName: string;
    duplicatePolicy: DuplicatePolicy;
  };
}

/** Explicit settings; each one overrides its environment variable. */
export interface VaultConfigInput {
  nodeEnv?: string;
  dataDir?: string;
  database?: string | { url?: string; schema?: string };
  /**
   * A Redis URL, or `{ cluster: 'host:port,...' }` for a Redis Cluster (as VAULT_REDIS_CLUSTER_NODES);
   * either replaces both variables. `null` turns L2 off even when one of them is set.
   */
  redis?: string | { url?: string; cluster?: string | readonly string[] } | null;
  namespace?: string;
  cache?: { l1?: { ttlMs?: number; max?: number }; l2?: { ttlSeconds?: number; timeoutMs?: number } };
  keys?: string;
  keysFile?: string;
  /** A shell command printing the keyring (`kid:base64,...`), run once at start-up; see the README. */
  keysCommand?: string;
  /** How long `keysCommand` may run (default 10 000 ms). */
  keysCommandTimeoutMs?: number;
  devKeyFile?: string;
  recoveryDir?: string;
  logLevel?: LogLevel;
  metricsToken?: string;
  autoMigrate?: boolean;
  /** `buffered` (default) or `strict`; `strictTimeoutMs` default 1000. */
  audit?: { mode?: AuditMode; strictTimeoutMs?: number };
  plaid?: {
    env?: PlaidEnv;
    clientId?: string;
    secret?: string;
    baseUrl?: string;
    products?: readonly string[] | string;
    countryCodes?: readonly string[] | string;
    webhookUrl?: string;
    clientName?: string;
    duplicatePolicy?: DuplicatePolicy;
  };
}

const INPUT_KEYS = new Set([
  'nodeEnv',
  'dataDir',
  'database',
  'redis',
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
const PRODUCTS = new Set<string>(PLAID_PRODUCTS);
const COUNTRIES = new Set<string>(PLAID_COUNTRY_CODES);
const REDACTED = '[redacted]';

// ---- field schemas: each message says what is wrong and what to write instead ----

const text = (hint: string) => z.string({ error: hint }).trim().min(1, { error: hint });
const whole = (min: number, hint: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: hint }).int({ error: hint }).min(min, { error: hint }),
  );
const url = (protocols: string[], hint: string) =>
  text(hint).refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), { error: hint });
const list = (hint: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(z.string({ error: hint }), { error: hint }),
  );
const flag = (hint: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' ? ({ true: true, '1': true, false: false, '0': false } as Record<string, boolean>)[v.trim().toLowerCase()] : v,
    z.boolean({ error: hint }),
  );

function noDuplicates(values: string[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) ctx.addIssue({ code: 'custom', message: `"${value}" is listed twice; list each once` });
    seen.add(value);
  }
}

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  VAULT_DATA_DIR: text('VAULT_DATA_DIR must be a directory path (default .data)').default('.data'),
  VAULT_DATABASE_URL: text('VAULT_DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://USER@HOST/DB')
    .refine((v) => /^sqlite:(?!\/\/)./.test(v) || /^postgres(ql)?:\/\/./.test(v), {
      error: 'VAULT_DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://USER@HOST/DB',
    })
    .optional(),
  VAULT_DATABASE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, {
      error: 'VAULT_DATABASE_SCHEMA must be a PostgreSQL identifier (letters, digits, _; at most 63)',
    })
    .optional(),
  VAULT_REDIS_URL: url(['redis:', 'rediss:'], 'VAULT_REDIS_URL must be redis://HOST:PORT or rediss://HOST:PORT').optional(),
  // Parsed in parseConfig (parseClusterNodes), which names the entry at fault without echoing it.
  VAULT_REDIS_CLUSTER_NODES: z.union([z.string(), z.array(z.string())], { error: CLUSTER_NODES_HINT }).optional(),
  VAULT_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'VAULT_NAMESPACE must be 1-64 of A-Z a-z 0-9 _ -' })
    .default('default'),
  VAULT_CACHE_TTL_MS: whole(0, 'VAULT_CACHE_TTL_MS must be a whole number of milliseconds >= 0 (default 300000)').default(300_000),
  VAULT_CACHE_MAX: whole(0, 'VAULT_CACHE_MAX must be a whole number >= 0 (0 turns L1 off; default 10000)').default(10_000),
  VAULT_REDIS_TTL_S: whole(1, 'VAULT_REDIS_TTL_S must be a whole number of seconds >= 1 (default 3600)').default(3600),
  VAULT_REDIS_TIMEOUT_MS: whole(1, 'VAULT_REDIS_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 50)').default(50),
  // Keys stay unparsed here (loadKeyring owns that); an empty value is kept so it fails there instead of falling back to a dev key.
  VAULT_KEYS: z.string({ error: 'VAULT_KEYS must be a string of kid:base64 entries' }).optional(),
  VAULT_KEYS_FILE: text('VAULT_KEYS_FILE must be a file path').optional(),
  VAULT_KEYS_COMMAND: text('VAULT_KEYS_COMMAND must be a shell command that prints the keyring').optional(),
  VAULT_KEYS_COMMAND_TIMEOUT_MS: whole(
    1,
    'VAULT_KEYS_COMMAND_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 10000)',
  ).default(DEFAULT_KEYS_COMMAND_TIMEOUT_MS),
  VAULT_DEV_KEY_FILE: text('the development key file must be a path').optional(),
  VAULT_RECOVERY_DIR: text('VAULT_RECOVERY_DIR must be a directory path').optional(),
  VAULT_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'VAULT_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  VAULT_METRICS_TOKEN: z
    .string()
    .min(16, { error: 'VAULT_METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 32)' })
    .optional(),
  VAULT_AUTO_MIGRATE: flag('VAULT_AUTO_MIGRATE must be true or false').default(true),
  VAULT_AUDIT_MODE: z
    .enum(['buffered', 'strict'], { error: 'VAULT_AUDIT_MODE must be buffered (the default) or strict' })
    .default('buffered'),
  VAULT_AUDIT_STRICT_TIMEOUT_MS: whole(
    1,
    'VAULT_AUDIT_STRICT_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 1000)',
  ).default(1000),
  PLAID_ENV: z.enum(['emulator', 'sandbox', 'production'], { error: 'PLAID_ENV must be emulator, sandbox or production' }).optional(),
  PLAID_CLIENT_ID: text('PLAID_CLIENT_ID must be your Plaid client id').optional(),
  PLAID_SECRET: text('PLAID_SECRET must be your Plaid secret').optional(),
  PLAID_BASE_URL: url(['http:', 'https:'], 'PLAID_BASE_URL must be an http(s) URL').optional(),
  PLAID_PRODUCTS: list('PLAID_PRODUCTS must be a comma-separated list such as transactions')
    .default(['transactions'])
    .superRefine((values, ctx) => {
      if (values.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one product, e.g. transactions' });
      for (const value of values) {
        if (value === 'balance')
          ctx.addIssue({ code: 'custom', message: '"balance" cannot be requested (it comes with every product); remove it' });
        else if (!PRODUCTS.has(value))
          ctx.addIssue({ code: 'custom', message: `"${value}" is not a Plaid product (e.g. transactions, auth, identity)` });
      }
      noDuplicates(values, ctx);
    }),
  PLAID_COUNTRY_CODES: list('PLAID_COUNTRY_CODES must be a comma-separated list such as US,CA')
    .transform((values) => values.map((v) => v.toUpperCase()))
    .default(['US'])
    .superRefine((values, ctx) => {
      if (values.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one country code, e.g. US' });
      for (const value of values) {
        if (!COUNTRIES.has(value))
          ctx.addIssue({ code: 'custom', message: `"${value}" is not a supported country (${[...COUNTRIES].join(', ')})` });
      }
      noDuplicates(values, ctx);
    }),
  PLAID_WEBHOOK_URL: url(['http:', 'https:'], 'PLAID_WEBHOOK_URL must be an http(s) URL').optional(),
  PLAID_CLIENT_NAME: text('PLAID_CLIENT_NAME must be 1-100 characters')
    .pipe(z.string().max(100, { error: 'PLAID_CLIENT_NAME must be 1-100 characters' }))
    .default('plaid-vault'),
  PLAID_DUPLICATE_POLICY: z
    .enum(['replace', 'keep', 'reject'], { error: 'PLAID_DUPLICATE_POLICY must be replace, keep or reject' })
    .default('replace'),
});

type Raw = z.input<typeof schema>;

/** The key sources: an empty value is kept so that it fails instead of falling back to a development key. */
const KEY_SOURCES = new Set(['VAULT_KEYS', 'VAULT_KEYS_FILE', 'VAULT_KEYS_COMMAND']);

/** Input first, then the environment; empty env values count as unset, except the key sources (fail closed). */
function merge(input: VaultConfigInput, env: Record<string, string | undefined>): Raw {
  const e = (name: string) => (env[name] === '' && !KEY_SOURCES.has(name) ? undefined : env[name]);
  const db = typeof input.database === 'string' ? { url: input.database } : (input.database ?? {});
  const redis = input.redis === null ? null : typeof input.redis === 'string' ? { url: input.redis } : (input.redis ?? {});
  // Where Redis is, is one setting: an explicit url or cluster replaces both variables, so they never clash with the env's.
  const redisFromInput = redis !== null && (redis.url !== undefined || redis.cluster !== undefined);
  const p = input.plaid ?? {};
  // The key source is one setting: explicit keys, keysFile or keysCommand replace all three variables, so they never clash with the env's.
  const keysFromInput = input.keys !== undefined || input.keysFile !== undefined || input.keysCommand !== undefined;
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
  const parsed = schema.safeParse(merge(input, env));
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
  const dialect = databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  if (dialect === 'sqlite' && c.VAULT_DATABASE_SCHEMA !== undefined)
    problems.push({ variable: 'VAULT_DATABASE_SCHEMA', message: 'applies to PostgreSQL only; unset it for SQLite' });
  const redisCluster = clusterSpec(c.VAULT_REDIS_CLUSTER_NODES, c.VAULT_REDIS_URL !== undefined, problems);
  if (problems.length > 0) fail(problems);

  const config: VaultConfig = {
    nodeEnv: c.NODE_ENV,
    dataDir: c.VAULT_DATA_DIR,
    database: { url: databaseUrl, dialect, ...(c.VAULT_DATABASE_SCHEMA !== undefined && { schema: c.VAULT_DATABASE_SCHEMA }) },
    ...(c.VAULT_REDIS_URL !== undefined && { redis: { url: c.VAULT_REDIS_URL } }),
    ...(redisCluster !== undefined && { redisCluster }),
    namespace: c.VAULT_NAMESPACE,
    cache: {
      l1TtlMs: c.VAULT_CACHE_TTL_MS,
      l1Max: c.VAULT_CACHE_MAX,
      l2TtlSeconds: c.VAULT_REDIS_TTL_S,
      redisTimeoutMs: c.VAULT_REDIS_TIMEOUT_MS,
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
  return seal(config);
}

/** VAULT_REDIS_CLUSTER_NODES parsed, its password hidden like the other secrets; a problem when it is invalid or VAULT_REDIS_URL is set too. */
function clusterSpec(
  value: string | string[] | undefined,
  withUrl: boolean,
  problems: { variable: string; message: string }[],
): RedisClusterSpec | undefined {
  if (value === undefined) return undefined;
  if (withUrl) {
    problems.push({
      variable: 'VAULT_REDIS_CLUSTER_NODES',
      message:
        'VAULT_REDIS_CLUSTER_NODES and VAULT_REDIS_URL are both set; set VAULT_REDIS_URL for one Redis or VAULT_REDIS_CLUSTER_NODES for a Redis Cluster, not both',
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

/** Secrets are non-enumerable: spreads, Object.keys and JSON skip them. */
function hide(target: object, key: string, value: string | undefined): void {
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

/** What printing `config` shows: everything but secrets, which appear as "[redacted]" when set. */
function printable(config: VaultConfig): object {
  const mark = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: REDACTED });
  return deepFreeze({
    ...config,
    database: { ...config.database, url: redactUrl(config.database.url) },
    ...(config.redis && { redis: { url: redactUrl(config.redis.url) } }),
    ...(config.redisCluster && { redisCluster: printableClusterSpec(config.redisCluster) }),
    ...mark('keys', config.keys),
    ...mark('keysCommand', config.keysCommand),
    ...mark('metricsToken', config.metricsToken),
    plaid: { ...config.plaid, ...mark('secret', config.plaid.secret) },
  });
}

/** Attach the printing hooks (util.inspect, JSON) to every level, then freeze deeply. */
function seal(config: VaultConfig): Readonly<VaultConfig> {
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
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
