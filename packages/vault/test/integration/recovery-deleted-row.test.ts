/**
 * Journal records whose item row is gone, or that a removal finds: the
 * journaled new token is the only way left to the Item at Plaid, so it is
 * used to remove the Item before the record is dropped, and kept while Plaid
 * cannot be reached. A real proxy in front of plaid-sandbox tells which token
 * reached /item/remove and cuts the connection for the outage.
 */
import { join } from 'node:path';
import type { PlaidApi } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import type { Vault } from '../../src/index.js';
import { createRecoveryJournal, type RecoveryJournal } from '../../src/rotation/journal.js';
import { deadRecord } from '../fixtures/journal-records.js';
import { startPlaidProxy, type PlaidProxy } from '../fixtures/plaid-proxy.js';
import { type PlaidEnv, sandboxApi, startPlaidEnv } from './plaid-harness.js';

const REMOVE = '/item/remove';

let env: PlaidEnv;
let proxy: PlaidProxy;
let vault: Vault;
let journal: RecoveryJournal;
let api: PlaidApi;

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite', admin: true });
  proxy = await startPlaidProxy(env.sb.url);
  vault = await env.vault({ plaid: { baseUrl: proxy.url } });
  journal = createRecoveryJournal(join(env.dir, 'recovery'), parseKeyring(env.keys));
  api = sandboxApi(env);
});
afterAll(async () => {
  await proxy?.close();
  await env?.close();
});

/** A linked item whose rotation "crashed": Plaid rotated (old token dead), the dead process journaled what `state` says. */
async function crashedRotation(userId: string, state: 'token' | 'intent') {
  const { itemId } = await vault.link.sandboxLink({ userId });
  const item = { itemId, userId };
  const old = await vault.withToken({ ...item, purpose: 'test.read' }, (t) => t.reveal());
  const fresh = (await api.itemAccessTokenInvalidate({ access_token: old })).data.new_access_token;
  const record = deadRecord(journal, item, {
    state,
    ...(state === 'token' && { envelope: seal(parseKeyring(env.keys), item, fresh).toString('base64') }),
  });
  await journal.write(record);
  return { item, fresh, record };
}
/** Compared here, so that a failure never prints a token. */
const lastRemovedWith = (token: string) => proxy.tokensSent(REMOVE).at(-1) === token;
const actions = async (itemId: string) => {
  await vault.audit.flush();
  return (await vault.audit.list({ itemId })).map((e) => `${e.action}:${e.purpose ?? ''}`);
};

describe('a journaled token whose row is gone', () => {
  it('recovery removes the Item at Plaid with that token, then drops the record', async () => {
    const { item, fresh } = await crashedRotation('orphan-a', 'token');
    await vault.items.delete(item); // local only: the row and the old (dead) token go

    const report = await vault.recover();
    expect(report).toMatchObject({ orphansRemoved: 1, remaining: 0 });
    expect(lastRemovedWith(fresh)).toBe(true);
    expect(env.sb.state.item(item.itemId)?.status).toBe('removed');
    expect(await journal.list()).toEqual([]);
    expect(await actions(item.itemId)).toContain('item.remove:recovery:row_deleted');
  });

  it('is kept while Plaid cannot be reached, and removes the Item on the next run', async () => {
    const { item, fresh, record } = await crashedRotation('orphan-b', 'token');
    await vault.items.delete(item);

    const cut = proxy.hold(REMOVE, { stage: 'request' });
    const recovering = vault.recover();
    await Promise.race([cut.arrived(), recovering]);
    cut.drop(); // the connection resets before Plaid sees the call
    expect(await recovering).toMatchObject({ remaining: 1 });
    expect((await journal.list()).map((e) => e.id)).toEqual([record.id]);
    expect(env.sb.state.item(item.itemId)?.status).toBe('active');

    expect(await vault.recover()).toMatchObject({ orphansRemoved: 1, remaining: 0 });
    expect(lastRemovedWith(fresh)).toBe(true);
    expect(env.sb.state.item(item.itemId)?.status).toBe('removed');
    expect(await journal.list()).toEqual([]);
  });
});

describe('a removal that finds a crashed rotation in the journal', () => {
  it('replays the journaled token into the row first and removes the Item with it', async () => {
    const { item, fresh } = await crashedRotation('crashed-token', 'token');

    await vault.items.remove(item);
    expect(lastRemovedWith(fresh)).toBe(true);
    expect(env.sb.state.item(item.itemId)?.status).toBe('removed');
    expect(await vault.items.list(item.userId)).toEqual([]);
    expect(await journal.list()).toEqual([]);
  });

  it('a token lost in the crash is flagged (relink_required, audited) before the row goes, never silently', async () => {
    const { item } = await crashedRotation('crashed-intent', 'intent');

    await vault.items.remove(item);
    // The new token existed only in the dead process: the Item cannot be reached; the trail says so.
    expect(await actions(item.itemId)).toEqual(
      expect.arrayContaining(['item.relink_required:recovery:rotation_lost', 'item.remove:already_gone']),
    );
    expect(await vault.items.list(item.userId)).toEqual([]);
    expect(await journal.list()).toEqual([]);
  });

  it('a removal whose row is already gone still removes the Item with a journaled token (the retry after an outage)', async () => {
    const { item, fresh } = await crashedRotation('retry-after-outage', 'token');
    await vault.items.delete(item);

    await vault.items.remove(item);
    expect(lastRemovedWith(fresh)).toBe(true);
    expect(env.sb.state.item(item.itemId)?.status).toBe('removed');
    expect(await journal.list()).toEqual([]);
  });
});
