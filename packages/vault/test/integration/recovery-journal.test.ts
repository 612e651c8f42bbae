/**
 * Replaying the rotation journal: records left by dead processes are settled
 * (replayed, or probed), at start-up when asked; records of live processes,
 * unreadable records and records whose item is gone are handled safely.
 */
import { join } from 'node:path';
import type { PlaidApi } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createVault, type Vault } from '../../src/index.js';
import { createRecoveryJournal, type JournalRecord, type RecoveryJournal } from '../../src/rotation/journal.js';
import { deadRecord } from '../fixtures/journal-records.js';
import { type PlaidEnv, sandboxApi, startPlaidEnv } from './plaid-harness.js';

let env: PlaidEnv;
let vault: Vault;
let journal: RecoveryJournal;
let api: PlaidApi;

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
  vault = await env.vault();
  journal = createRecoveryJournal(join(env.dir, 'recovery'), parseKeyring(env.keys));
  api = sandboxApi(env);
});
afterAll(async () => env?.close());

async function linked(userId: string) {
  const { itemId } = await vault.link.sandboxLink({ userId });
  const token = await vault.withToken({ userId, itemId, purpose: 'test.read' }, (t) => t.reveal());
  return { itemId, userId, token };
}
const rec = (item: { itemId: string; userId: string }, extra: Partial<JournalRecord> = {}) => deadRecord(journal, item, extra);

describe('recovery', () => {
  it('at start-up, replays a journaled token from a dead process and probes a bare intent', async () => {
    const a = await linked('rec-a');
    const b = await linked('rec-b');
    const c = await linked('rec-c');
    // a: the dead process got the new token and journaled it, but never wrote the row.
    const fresh = (await api.itemAccessTokenInvalidate({ access_token: a.token })).data.new_access_token;
    await journal.write(rec(a, { state: 'token', envelope: seal(parseKeyring(env.keys), a, fresh).toString('base64') }));
    // b: it died before calling Plaid (token alive). c: it died after Plaid answered, before journaling (token dead).
    await journal.write(rec(b));
    await api.itemAccessTokenInvalidate({ access_token: c.token });
    await journal.write(rec(c));

    const restarted = await createVault(env.options({ recoverOnStart: true }));
    try {
      expect(await journal.list()).toEqual([]);
      const tokenA = await restarted.withToken({ ...a, purpose: 'test.read' }, (t) => t.reveal());
      expect(tokenA).toBe(fresh);
      expect((await restarted.items.get(a)).status).toBe('active');
      expect((await restarted.data.accounts(b)).length).toBeGreaterThan(0);
      expect((await restarted.items.get(c)).status).toBe('relink_required');
      await restarted.audit.flush();
      expect((await vault.audit.list({ itemId: a.itemId })).map((e) => e.action)).toContain('recovery.replay');
      expect((await vault.audit.list({ itemId: c.itemId })).map((e) => e.action)).toContain('item.relink_required');
    } finally {
      await restarted.close();
    }
  });

  it('leaves alone records of a live process and unreadable records; drops records of deleted items', async () => {
    const live = await linked('rec-live');
    const gone = await linked('rec-gone');
    const liveRecord = rec(live, { pid: process.ppid });
    await journal.write(liveRecord);
    await journal.write(rec(gone));
    await vault.items.delete(gone);
    const foreign = createRecoveryJournal(
      join(env.dir, 'recovery'),
      parseKeyring(`k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)).toString('base64')}`),
    );
    const unreadable = rec(live);
    await foreign.write(unreadable);

    expect(await vault.recover()).toEqual({ replayed: 0, relinkRequired: 0, alreadyApplied: 1, remaining: 2 });
    expect((await journal.list()).map((e) => e.id).sort()).toEqual([liveRecord.id, unreadable.id].sort());
    expect((await vault.items.get(live)).status).toBe('active');
    await journal.remove(liveRecord.id);
    await journal.remove(unreadable.id);
  });

  it('a record whose write already landed is dropped without touching the row', async () => {
    const item = await linked('rec-landed');
    await vault.items.rotate(item);
    const stale = rec(item, { state: 'token', envelope: seal(parseKeyring(env.keys), item, item.token).toString('base64') });
    await journal.write(stale);
    expect(await vault.recover()).toMatchObject({ alreadyApplied: 1, replayed: 0, remaining: 0 });
    const now = await vault.withToken({ ...item, purpose: 'test.read' }, (t) => t.reveal());
    expect(now).not.toBe(item.token); // the stale (older) token was not written back
  });
});
