import { randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { open, seal } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';

/**
 * One rotation's progress, kept on local disk until its outcome is in the
 * database. `intent` is written before /item/access_token/invalidate,
 * `token` (with the new token sealed to its row) as soon as Plaid answers.
 */
export interface JournalRecord {
  v: 1;
  id: string;
  itemId: string;
  userId: string;
  /** Lease owner (vault instance) and process that wrote the record. */
  owner: string;
  pid: number;
  fromVersion: number;
  state: 'intent' | 'token';
  /** base64 envelope of the new token, sealed for { itemId, userId } (state 'token'). */
  envelope?: string;
  at: string;
}

export type JournalEntry = { id: string; record: JournalRecord } | { id: string; record: null };

export interface RecoveryJournal {
  /** Atomically create or replace the record (write temp, fsync, rename, fsync dir). */
  write(record: JournalRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /** Every record; `record: null` when a file cannot be opened (wrong key, damage). */
  list(): Promise<JournalEntry[]>;
  newId(): string;
}

const SUFFIX = '.rot';
// Each file is sealed as if it were a row of its own, so a file renamed or copied fails to open.
const refFor = (id: string) => ({ itemId: `journal:${id}`, userId: 'plaid-vault/recovery' });

async function fsyncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The rotation recovery journal: a directory of small files, each one record
 * sealed with the keyring (AES-256-GCM envelope), written 0600 and fsynced,
 * and the directory fsynced after every create, rename and unlink, so a record
 * that `write` returned for survives a power cut.
 *
 * @example
 * const journal = createRecoveryJournal(config.recoveryDir, keyring);
 * for (const entry of await journal.list()) ...
 */
export function createRecoveryJournal(dir: string, keyring: Keyring): RecoveryJournal {
  let ready: Promise<void> | undefined;
  const ensureDir = () => (ready ??= mkdir(dir, { recursive: true, mode: 0o700 }).then(() => undefined));

  return {
    newId: () => randomUUID(),

    async write(record) {
      await ensureDir();
      const sealed = seal(keyring, refFor(record.id), JSON.stringify(record));
      const tmp = join(dir, `${record.id}.${process.pid}.tmp`);
      const handle = await openFile(tmp, 'w', 0o600);
      try {
        await handle.writeFile(sealed);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, join(dir, `${record.id}${SUFFIX}`));
      await fsyncDir(dir);
    },

    async remove(id) {
      try {
        await unlink(join(dir, `${id}${SUFFIX}`));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      await fsyncDir(dir);
    },

    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const entries: JournalEntry[] = [];
      for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
        const id = name.slice(0, -SUFFIX.length);
        try {
          const record = JSON.parse(open(keyring, refFor(id), await readFile(join(dir, name))).reveal()) as JournalRecord;
          entries.push({ id, record: record.id === id && record.v === 1 ? record : null });
        } catch {
          entries.push({ id, record: null });
        }
      }
      return entries;
    },
  };
}
