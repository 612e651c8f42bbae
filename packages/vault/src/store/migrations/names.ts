/**
 * The vault's migrations by name, in order of application (Kysely applies
 * them sorted by name). Kept apart from the migrations themselves, which need
 * Kysely at run time: the start-up check (TokenStore.migrate) compares these
 * names with the migration table in one raw read and imports Kysely's
 * migrator only when one is missing. Append new names, never edit one.
 */
export const MIGRATION_NAMES = ['0001_init', '0002_audit_quarantine'] as const;

export type MigrationName = (typeof MIGRATION_NAMES)[number];

/** Kysely's default migration table (the migrator is created without a table name of its own). */
export const MIGRATION_TABLE = 'kysely_migration';

/**
 * True when `applied` holds exactly the vault's migrations. Anything else (one
 * missing, or one this version does not know) is the migrator's to handle,
 * so that its errors stay what they were.
 */
export function allMigrationsApplied(applied: readonly string[]): boolean {
  const names = new Set(applied);
  return names.size === MIGRATION_NAMES.length && MIGRATION_NAMES.every((name) => names.has(name));
}
