/** The data commands on PostgreSQL through PgBouncer in transaction mode, migrations included (suite in cli-store-suite.ts). */
import { requireService } from '../helpers/services.js';
import { describeStoreCommands } from './cli-store-suite.js';

describeStoreCommands('pgbouncer', await requireService('pgbouncer', 'cli store (PostgreSQL through PgBouncer)'));
