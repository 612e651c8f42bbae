import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../store-backend.js';
import { initMigration } from './0001-init.js';
import { auditQuarantineMigration } from './0002-audit-quarantine.js';

/**
 * Static provider: migrations are compiled into the package, so no directory
 * scanning at run time (works bundled, e.g. inside Next.js). Names sort in
 * order of application; append new ones, never edit an applied one.
 */
export function createMigrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_init': initMigration(dialect),
        '0002_audit_quarantine': auditQuarantineMigration(dialect),
      };
    },
  };
}
