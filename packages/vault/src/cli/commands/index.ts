import type { Command } from '../command.js';
import { apikeyCommand } from './apikey.js';
import { auditCommand } from './audit.js';
import { doctorCommand } from './doctor.js';
import { importCommand } from './import.js';
import { itemsCommand } from './items.js';
import { keygenCommand } from './keygen.js';
import { migrateCommand } from './migrate.js';
import { recoverCommand } from './recover.js';
import { rekeyCommand } from './rekey.js';
import { retireKeyCommand } from './retire-key.js';
import { rotateCommand } from './rotate.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serve.js';

/** Every command, in the order `plaid-vault --help` lists them. */
export const commands: readonly Command[] = [
  keygenCommand,
  migrateCommand,
  doctorCommand,
  itemsCommand,
  rotateCommand,
  rekeyCommand,
  retireKeyCommand,
  recoverCommand,
  auditCommand,
  importCommand,
  serveCommand,
  apikeyCommand,
  sandboxCommand,
];
