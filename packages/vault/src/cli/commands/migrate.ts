import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply database migrations (--status lists them)',
  help: `Usage: plaid-vault migrate [--status]

Applies pending migrations to the database in VAULT_DATABASE_URL, then lists
every migration with the time it was applied. Safe to run again: applied
migrations are skipped.

Options:
  --status   only list migrations and whether they are applied; exit 1 if any is pending`,
  options: { status: { type: 'boolean' } },
  async run({ values, out, runtime }) {
    const store = await runtime.rawStore();
    if (!values.status) await store.migrate();
    const migrations = await store.migrationStatus();
    const pending = migrations.filter((m) => m.executedAt === null).length;
    out.result({ migrations: migrations.map((m) => ({ name: m.name, appliedAt: m.executedAt?.toISOString() ?? null })), pending }, () => [
      ...migrations.map(
        (m) => `${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}`,
      ),
      values.status ? `${pending} pending` : `database is up to date (${migrations.length} migration(s))`,
    ]);
    return pending > 0 ? EXIT.failure : EXIT.ok;
  },
};
