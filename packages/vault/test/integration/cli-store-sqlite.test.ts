/** The data commands on SQLite (suite in cli-store-suite.ts). */
import { describeStoreCommands } from './cli-store-suite.js';

describeStoreCommands('sqlite', true);
