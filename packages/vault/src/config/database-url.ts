/**
 * How the vault reads where its database is (VAULT_DATABASE_URL or
 * createVault's `database`, and VAULT_DATABASE_SCHEMA): the one place that
 * knows the URL schemes. parseConfig validates with it, the store opens what
 * it names, and the doctor and the reference app read it from here.
 */
import { resolve } from 'node:path';

export type DatabaseDialect = 'sqlite' | 'postgres';

export const DATABASE_URL_RULE = 'VAULT_DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://USER@HOST/DB';

/** A PostgreSQL schema name the vault accepts: a plain identifier, since it is spliced into each connection's options. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The dialect a database URL names, or undefined when it names none (`sqlite:`
 * needs a path, and `sqlite://...` is not one).
 *
 * @example
 * databaseDialect('sqlite:.data/vault.db'); // 'sqlite'
 * databaseDialect('postgresql://app@db/vault'); // 'postgres'
 */
export function databaseDialect(url: string): DatabaseDialect | undefined {
  if (/^sqlite:(?!\/\/)./.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\/./.test(url)) return 'postgres';
  return undefined;
}

/**
 * The file a `sqlite:` URL names, resolved against the working directory
 * (`:memory:` as it is).
 *
 * @example
 * sqliteFile('sqlite:.data/vault.db'); // '/srv/app/.data/vault.db'
 */
export function sqliteFile(url: string): string {
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? path : resolve(path);
}
