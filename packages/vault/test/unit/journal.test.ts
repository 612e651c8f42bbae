/**
 * The rotation recovery journal on a real temp directory: records are sealed
 * (no token, no ids in the bytes), replaced atomically, bound to their file
 * name, private (0600), and a damaged record is reported, not trusted.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createRecoveryJournal, type JournalRecord } from '../../src/rotation/journal.js';
import { fakeAccessToken, testKeys } from '../helpers/services.js';

let dir: string;
const keyring = parseKeyring(testKeys('k1'));
const TOKEN = fakeAccessToken();

function record(id: string, state: JournalRecord['state'] = 'intent'): JournalRecord {
  const envelope = seal(keyring, { itemId: 'item-secret-id', userId: 'user-secret-id' }, TOKEN).toString('base64');
  return {
    v: 1,
    id,
    itemId: 'item-secret-id',
    userId: 'user-secret-id',
    owner: 'vault-a',
    pid: process.pid,
    fromVersion: 3,
    state,
    ...(state === 'token' && { envelope }),
    at: new Date(0).toISOString(),
  };
}

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'pv-journal-')), 'recovery');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('recovery journal', () => {
  it('round-trips records and replaces one atomically', async () => {
    const journal = createRecoveryJournal(dir, keyring);
    const id = journal.newId();
    await journal.write(record(id));
    expect(await journal.list()).toEqual([{ id, record: record(id) }]);
    await journal.write(record(id, 'token'));
    const [entry] = await journal.list();
    expect(entry?.record?.state).toBe('token');
    expect(readdirSync(dir)).toEqual([`${id}.rot`]); // no temp files left behind
    await journal.remove(id);
    await journal.remove(id); // idempotent
    expect(await journal.list()).toEqual([]);
  });

  it('writes only ciphertext, readable by the owner alone', async () => {
    const journal = createRecoveryJournal(dir, keyring);
    const id = journal.newId();
    await journal.write(record(id, 'token'));
    const bytes = readFileSync(join(dir, `${id}.rot`));
    for (const clear of [TOKEN, 'item-secret-id', 'user-secret-id', 'vault-a']) expect(bytes.includes(clear)).toBe(false);
    expect(statSync(join(dir, `${id}.rot`)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('reports damaged, renamed or foreign-key records as unreadable', async () => {
    const journal = createRecoveryJournal(dir, keyring);
    const [a, b, c] = [journal.newId(), journal.newId(), journal.newId()];
    for (const id of [a, b, c]) await journal.write(record(id));
    const path = join(dir, `${a}.rot`);
    const bytes = readFileSync(path);
    bytes[bytes.length - 40]! ^= 1;
    writeFileSync(path, bytes);
    renameSync(join(dir, `${b}.rot`), join(dir, `renamed-${b}.rot`));
    const other = createRecoveryJournal(dir, parseKeyring(testKeys('k9')));
    const entries = await journal.list();
    expect(
      entries
        .filter((e) => e.record === null)
        .map((e) => e.id)
        .sort(),
    ).toEqual([a, `renamed-${b}`].sort());
    expect(entries.find((e) => e.id === c)?.record?.fromVersion).toBe(3);
    expect((await other.list()).every((e) => e.record === null)).toBe(true);
  });

  it('lists nothing when the directory does not exist yet', async () => {
    expect(await createRecoveryJournal(join(dir, 'missing'), keyring).list()).toEqual([]);
  });
});
