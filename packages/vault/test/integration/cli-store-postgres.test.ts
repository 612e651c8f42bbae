/** The data commands on PostgreSQL (suite in cli-store-suite.ts). */
import { requireService } from '../helpers/services.js';
import { describeStoreCommands } from './cli-store-suite.js';

describeStoreCommands('postgres', await requireService('postgres', 'cli store (postgres)'));
