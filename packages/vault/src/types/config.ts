/** The vault's configuration: what parseConfig returns and what createVault takes. */
import type { AuditMode } from './audit.js';

export type PlaidEnv = 'emulator' | 'sandbox' | 'production';

export type DuplicatePolicy = 'replace' | 'keep' | 'reject';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/** A Redis Cluster (VAULT_REDIS_CLUSTER_NODES): its seeds and what applies to every node. */
export interface RedisClusterSpec {
  /** Seeds: the client discovers the other nodes from any one of them. */
  readonly nodes: readonly RedisClusterNode[];
  /** TLS to every node (a `rediss://` entry). */
  readonly tls: boolean;
  readonly username?: string;
  /** Never printed (the configuration shows `[redacted]`). */
  readonly password?: string;
}

/** Resolved configuration. Secrets (`keys`, `keysCommand`, `plaid.secret`, `metricsToken`, URL passwords) never print. */
export interface VaultConfig {
  nodeEnv: string;
  dataDir: string;
  database: { url: string; dialect: 'sqlite' | 'postgres'; schema?: string };
  /** Unset (and no `redisCluster` or `kv`) = L1 only. */
  redis?: { url: string };
  /** VAULT_REDIS_CLUSTER_NODES: L2 on a Redis Cluster instead (never beside `redis` or `kv`). Its password never prints. */
  redisCluster?: RedisClusterSpec;
  /** L2 over a KV REST API (Vercel KV, Upstash): KV_REST_API_* or UPSTASH_REDIS_REST_*. `token` never prints. */
  kv?: { url: string; readonly token: string };
  /** No pub/sub subscriber, no timer needed for correctness (VAULT_SERVERLESS; always with `kv`). */
  serverless: boolean;
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
  /** A KV REST API (replaces the KV_REST_API_* and UPSTASH_REDIS_REST_* variables); `null` turns it off. */
  kv?: { url?: string; token?: string } | null;
  /** Serverless mode (VAULT_SERVERLESS); implied by `kv`. */
  serverless?: boolean;
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
