/**
 * Drivers on demand: importing plaid-vault loads no driver. Each one is
 * imported where it is first needed (opening the store, the Redis client,
 * the Plaid SDK), so a deployment loads only what its configuration names
 * and need not install the rest (pg, ioredis and @upstash/redis are optional
 * peer dependencies). A missing package is a configuration error that says
 * which package to install.
 *
 * Every import is written out literally at its call site (`() => import('pg')`)
 * so that bundlers (Next.js) still see which packages the vault may load.
 */
import { ConfigInvalidError } from '../errors.js';

function isMissing(err: unknown, pkg: string): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // The package itself, not one of its own files or dependencies (that is a broken install, reported as is).
  return typeof message === 'string' && (message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`));
}

/**
 * Import an optional package; when it is not installed, throw
 * ConfigInvalidError naming the package, why the configuration needs it, and
 * the command that installs it.
 *
 * @example
 * const { default: pg } = await importOptional('pg', 'VAULT_DATABASE_URL is postgres://', () => import('pg'));
 */
export async function importOptional<T>(pkg: string, neededBecause: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!isMissing(err, pkg)) throw err;
    throw new ConfigInvalidError(`${neededBecause} but the \`${pkg}\` package is not installed: npm install ${pkg}`, {
      details: { package: pkg },
    });
  }
}

/** pg, for a postgres:// VAULT_DATABASE_URL (an optional peer dependency). */
export function loadPg(): Promise<typeof import('pg')> {
  return importOptional('pg', 'VAULT_DATABASE_URL is postgres://', () => import('pg'));
}

/** better-sqlite3, for the embedded store (a dependency: SQLite is the default). */
export function loadBetterSqlite3(): Promise<{ default: typeof import('better-sqlite3') }> {
  return importOptional('better-sqlite3', 'VAULT_DATABASE_URL is sqlite: (the default)', () => import('better-sqlite3'));
}

/** ioredis, for VAULT_REDIS_URL or VAULT_REDIS_CLUSTER_NODES (an optional peer dependency). */
export function loadIoredis(): Promise<Pick<typeof import('ioredis'), 'Redis' | 'Cluster'>> {
  return importOptional('ioredis', 'VAULT_REDIS_URL or VAULT_REDIS_CLUSTER_NODES is set', () => import('ioredis'));
}

/** The Plaid SDK, on the first call to Plaid (a dependency). */
export function loadPlaidSdk(): Promise<typeof import('plaid')> {
  return importOptional('plaid', 'A Plaid call was made', () => import('plaid'));
}

/** @upstash/redis, for a KV REST API (an optional peer dependency). */
export function loadUpstash(): Promise<typeof import('@upstash/redis')> {
  return importOptional(
    '@upstash/redis',
    'A KV REST API is configured (KV_REST_API_URL or UPSTASH_REDIS_REST_URL)',
    () => import('@upstash/redis'),
  );
}
