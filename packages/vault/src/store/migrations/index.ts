import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../store-backend.js';
import { initMigration } from './0001-init.js';
import { auditQuarantineMigration } from './0002-audit-quarantine.js';
import type { MigrationName } from './names.js';

/** One migration per name in names.ts: the type keeps the two lists in step. */
const MIGRATIONS: Record<MigrationName, (dialect: StoreDialect) => Migration> = {
  '0001_init': initMigration,
  '0002_audit_quarantine': auditQuarantineMigration,
};

/**
 * Static provider: migrations are compiled into the package, so no directory
 * scanning at run time (works bundled, e.g. inside Next.js). Names sort in
 * order of application; append new ones (to names.ts too), never edit an applied one.
 */
export function createMigrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, migration]) => [name, migration(dialect)]));
    },
  };
}
