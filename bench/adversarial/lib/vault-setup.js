// One deployment's settings, shared by every way a class reaches the vault:
// the environment for `plaid-vault` child processes (CLI, serve) and the
// options for a library vault in this process on the same data.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createVault, silentLogger } from 'plaid-vault';
import { generateApiKey, hashApiKey } from 'plaid-vault/http';

/** A keyring spec with fresh random keys (first active). @param {string[]} kids */
export function makeKeys(...kids) {
  return (kids.length ? kids : ['k1']).map((kid) => `${kid}:${randomBytes(32).toString('base64')}`).join(',');
}

/**
 * @typedef {object} Deployment
 * @property {Record<string, string>} env for child processes (PATH and HOME added when spawning)
 * @property {string} keys
 * @property {string} apiKey the service key a backend presents to `serve`
 * @property {string} metricsToken
 * @property {string} dataDir
 * @property {string} recoveryDir
 * @property {(overrides?: Record<string, unknown>) => Promise<import('plaid-vault').Vault>} openVault a library vault on the same data (no L1, no Redis unless given)
 */

/**
 * @param {object} o
 * @param {import('./services.js').Database} o.db
 * @param {string} o.dataDir
 * @param {{ url: string, clientId: string, secret: string }} [o.plaid] Plaid (the sandbox, or a proxy in front of it)
 * @param {string} [o.redisUrl]
 * @param {string} [o.namespace]
 * @param {Record<string, string>} [o.extra] more variables (VAULT_LOG_LEVEL, ...)
 * @returns {Deployment}
 */
export function deployment({ db, dataDir, plaid, redisUrl, namespace, extra = {} }) {
  const keys = makeKeys('k1', 'k2');
  const apiKey = generateApiKey();
  const metricsToken = randomBytes(24).toString('hex');
  const recoveryDir = join(dataDir, 'recovery');
  const env = {
    ...db.env,
    VAULT_KEYS: keys,
    VAULT_DATA_DIR: dataDir,
    VAULT_RECOVERY_DIR: recoveryDir,
    VAULT_API_KEYS: `adversarial:${hashApiKey(apiKey)}`,
    VAULT_METRICS_TOKEN: metricsToken,
    ...(plaid && { PLAID_ENV: 'emulator', PLAID_BASE_URL: plaid.url, PLAID_CLIENT_ID: plaid.clientId, PLAID_SECRET: plaid.secret }),
    ...(redisUrl && { VAULT_REDIS_URL: redisUrl }),
    ...(namespace && { VAULT_NAMESPACE: namespace }),
    ...extra,
  };
  return {
    env,
    keys,
    apiKey,
    metricsToken,
    dataDir,
    recoveryDir,
    openVault: (overrides = {}) =>
      createVault({
        database: db.option,
        keys,
        dataDir,
        recoveryDir,
        redis: null,
        cache: { l1: { ttlMs: 0 } },
        logger: silentLogger,
        ...(plaid && { plaid: { env: 'emulator', baseUrl: plaid.url, clientId: plaid.clientId, secret: plaid.secret } }),
        ...overrides,
      }),
  };
}

/** The raw 32-byte keys of a keyring spec, base64 (what a leak of a key would show). @param {string} keys */
export function keyMaterial(keys) {
  return keys.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1));
}

/** A Plaid-shaped sandbox access token (random; the vault stores it without asking Plaid). */
export function fakeAccessToken() {
  const h = randomBytes(16).toString('hex');
  return `access-sandbox-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
