import { databaseDialect } from '../config/database-url.js';
import { KEY_SOURCES, type KeySource } from '../key-sources/key-variables.js';
import { fail, pass, warn, type CheckResult } from './check.js';

/** What the configuration checks look at: plain values, already parsed. No key bytes. */
export interface DeploymentFacts {
  nodeEnv: string | undefined;
  databaseUrl: string;
  redisUrl: string | null;
  /** VAULT_REDIS_CLUSTER_NODES, when set: whether its nodes use TLS, and the seeds' host names. */
  redisCluster?: { tls: boolean; hosts: readonly string[] } | null;
  webhookUrl: string | null;
  products: readonly string[];
  /** Kids in keyring order, first active. */
  kids: readonly string[];
  /**
   * Where the keys came from: the environment, a file, a command, the generated
   * development key, or a ready keyring handed to createVault (`keyring`).
   */
  keySource: KeySource | 'keyring';
}

/** Products that expose more than account and transaction data; each one is a deliberate choice. */
const SENSITIVE_PRODUCTS = new Set([
  'auth',
  'identity',
  'identity_match',
  'income',
  'income_verification',
  'assets',
  'employment',
  'transfer',
  'payment_initiation',
]);
/** More kids than this means retired keys linger in the environment. */
const MAX_KIDS = 3;

/**
 * Checks that need no I/O. Unknown or duplicate products and malformed keys
 * never get here: the configuration refuses them before the doctor runs.
 */
export function configChecks(f: DeploymentFacts): CheckResult[] {
  const production = f.nodeEnv === 'production';
  return [
    nodeEnvCheck(f),
    keyChecks(f, production),
    keyCountCheck(f),
    databaseTlsCheck(f, production),
    redisTlsCheck(f, production),
    productsCheck(f),
    webhookCheck(f, production),
  ];
}

function nodeEnvCheck(f: DeploymentFacts): CheckResult {
  if (f.nodeEnv === 'production') return pass('node_env', 'NODE_ENV=production');
  return warn(
    'node_env',
    `NODE_ENV is ${f.nodeEnv ? `"${f.nodeEnv}"` : 'not set'}: development defaults apply (generated key, relaxed TLS checks)`,
    'set NODE_ENV=production on deployed hosts',
  );
}

function keyChecks(f: DeploymentFacts, production: boolean): CheckResult {
  if (f.keySource === 'dev') {
    const message = 'using the generated development key (VAULT_KEYS is not set)';
    const fix = 'run plaid-vault keygen and set VAULT_KEYS (or VAULT_KEYS_FILE, or VAULT_KEYS_COMMAND to fetch it from your secret store)';
    return production ? fail('keys', message, fix) : warn('keys', message, fix);
  }
  if (f.keySource === 'keyring')
    return pass('keys', `${f.kids.length} key(s) from the keyring handed to createVault; active kid ${f.kids[0]}`);
  const variable = KEY_SOURCES.find((source) => source.kind === f.keySource)?.variable;
  // parseKeyring already refused short, repeated-byte and duplicate keys: what is left is 32 random-looking bytes each.
  return pass('keys', `${f.kids.length} key(s) from ${variable}, each 32 bytes; active kid ${f.kids[0]}`);
}

function keyCountCheck(f: DeploymentFacts): CheckResult {
  if (f.kids.length <= MAX_KIDS) return pass('key_count', `${f.kids.length} kid(s) in the keyring`);
  return warn(
    'key_count',
    `${f.kids.length} kids in the keyring: old keys widen what a leak exposes`,
    'run plaid-vault rekey, then plaid-vault retire-key KID for each old kid',
  );
}

function databaseTlsCheck(f: DeploymentFacts, production: boolean): CheckResult {
  if (databaseDialect(f.databaseUrl) === 'sqlite') {
    return production
      ? warn(
          'database_tls',
          'SQLite in production: one host, no replication',
          'use PostgreSQL (VAULT_DATABASE_URL=postgres://...) for production',
        )
      : pass('database_tls', 'SQLite file database (no network)');
  }
  const tls = /[?&](sslmode=(require|verify-ca|verify-full)|ssl=(true|1))(&|$)/.test(f.databaseUrl);
  if (tls) return pass('database_tls', 'PostgreSQL URL requires TLS');
  const local = isLocalUrl(f.databaseUrl);
  const message = 'PostgreSQL URL does not require TLS';
  const fix = 'add ?sslmode=verify-full (or require) to VAULT_DATABASE_URL';
  if (production && !local) return fail('database_tls', message, fix);
  return warn('database_tls', `${message}${local ? ' (local host)' : ''}`, fix);
}

function redisTlsCheck(f: DeploymentFacts, production: boolean): CheckResult {
  if (f.redisCluster) return redisClusterTlsCheck(f.redisCluster, production);
  if (!f.redisUrl) return pass('redis_tls', 'Redis not configured (L1 cache only)');
  if (f.redisUrl.startsWith('rediss://')) return pass('redis_tls', 'Redis URL uses TLS (rediss://)');
  // [h13-kv] A KV REST API (config refuses plain http:// except to a loopback host).
  if (f.redisUrl.startsWith('https://')) return pass('redis_tls', 'KV REST API over HTTPS');
  const local = isLocalUrl(f.redisUrl);
  const message = 'Redis URL does not use TLS';
  const fix = 'use a rediss:// URL in VAULT_REDIS_URL';
  if (production && !local) return fail('redis_tls', message, fix);
  return warn('redis_tls', `${message}${local ? ' (local host)' : ''}`, fix);
}

function redisClusterTlsCheck(cluster: { tls: boolean; hosts: readonly string[] }, production: boolean): CheckResult {
  if (cluster.tls) return pass('redis_tls', 'Redis Cluster nodes use TLS (rediss://)');
  const local = cluster.hosts.every((host) => isLocalUrl(`redis://${host.includes(':') ? `[${host}]` : host}`));
  const message = 'Redis Cluster nodes do not use TLS';
  const fix = 'use rediss:// entries in VAULT_REDIS_CLUSTER_NODES';
  if (production && !local) return fail('redis_tls', message, fix);
  return warn('redis_tls', `${message}${local ? ' (local host)' : ''}`, fix);
}

function productsCheck(f: DeploymentFacts): CheckResult {
  const sensitive = f.products.filter((p) => SENSITIVE_PRODUCTS.has(p));
  if (sensitive.length === 0) return pass('products', `products: ${f.products.join(', ')}`);
  return warn(
    'products',
    `products include ${sensitive.join(', ')}, which expose account numbers or personal data`,
    'keep in PLAID_PRODUCTS only what the app uses (least privilege)',
  );
}

function webhookCheck(f: DeploymentFacts, production: boolean): CheckResult {
  if (!f.webhookUrl) {
    return warn(
      'webhook_url',
      'PLAID_WEBHOOK_URL is not set: item health (login required, revoked) is only learned on the next call',
      'set PLAID_WEBHOOK_URL to your https webhook route',
    );
  }
  if (f.webhookUrl.startsWith('https://')) return pass('webhook_url', 'webhook URL is https');
  const message = 'PLAID_WEBHOOK_URL is not https';
  const fix = 'serve the webhook route over https and set PLAID_WEBHOOK_URL=https://...';
  return production ? fail('webhook_url', message, fix) : warn('webhook_url', message, fix);
}

function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]';
  } catch {
    return false;
  }
}
