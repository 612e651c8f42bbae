/**
 * Linking the same institution twice for one user (Plaid bills each item):
 * reported in the exchange result and handled per PLAID_DUPLICATE_POLICY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../src/index.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

let env: PlaidEnv;
beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
});
afterAll(async () => env?.close());

describe('duplicate institution policy', () => {
  it('replace (default): keeps the new item, removes the old one at Plaid and locally', async () => {
    const vault = await env.vault();
    const first = await vault.link.sandboxLink({ userId: 'dup-replace' });
    const second = await vault.link.sandboxLink({ userId: 'dup-replace' });
    expect(second.duplicates).toEqual([{ itemId: first.itemId, action: 'removed' }]);
    expect((await vault.items.list('dup-replace')).map((i) => i.itemId)).toEqual([second.itemId]);
    expect(env.sb.state.item(first.itemId)?.status).toBe('removed');
    // Another institution, or another user, is not a duplicate.
    expect((await vault.link.sandboxLink({ userId: 'dup-replace', institutionId: 'ins_109510' })).duplicates).toEqual([]);
    expect((await vault.link.sandboxLink({ userId: 'dup-other-user' })).duplicates).toEqual([]);
  });

  it('keep: reports the duplicate and keeps both', async () => {
    const vault = await env.vault({ plaid: { duplicatePolicy: 'keep' } });
    const first = await vault.link.sandboxLink({ userId: 'dup-keep' });
    const second = await vault.link.sandboxLink({ userId: 'dup-keep' });
    expect(second.duplicates).toEqual([{ itemId: first.itemId, action: 'kept' }]);
    expect((await vault.items.list('dup-keep')).length).toBe(2);
  });

  it('reject: refuses with ERR_ITEM_DUPLICATE and removes the new item at Plaid (no billed orphan)', async () => {
    const vault = await env.vault({ plaid: { duplicatePolicy: 'reject' } });
    const first = await vault.link.sandboxLink({ userId: 'dup-reject' });
    const before = env.sb.state.items().length;
    const err = await vault.link.sandboxLink({ userId: 'dup-reject' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVaultError(err) && err.code).toBe('ERR_ITEM_DUPLICATE');
    const created = env.sb.state.items().slice(before);
    expect(created.map((i) => i.status)).toEqual(['removed']);
    expect((await vault.items.list('dup-reject')).map((i) => i.itemId)).toEqual([first.itemId]);
  });

  it('rejects a malformed public token before calling Plaid', async () => {
    const vault = await env.vault();
    const before = { ...env.sb.state.counters };
    const err = await vault.link.exchange({ userId: 'u', publicToken: 'access-sandbox-not-a-public-token' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVaultError(err) && err.code).toBe('ERR_INPUT_INVALID');
    expect(env.sb.state.counters).toEqual(before);
  });
});
