/**
 * Proxied /transactions/sync against plaid-sandbox's dynamic user: has_more
 * paging done inside (pages made small by a wrapper that caps `count`), the
 * cursor persisted per item, deltas after a refresh, a restart when Plaid
 * reports a mutation mid-pagination (injected by the wrapper).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaidError } from '../../src/errors.js';
import type { Vault } from '../../src/index.js';
import { createPlaidGateway } from '../../src/plaid/gateway.js';
import type { PlaidGateway } from '../../src/plaid/types.js';
import { containsAny, type PlaidEnv, sandboxApi, startPlaidEnv, TOKEN_MARK } from './plaid-harness.js';

let env: PlaidEnv;
let vault: Vault;
const PAGE = 7;
const cursorsSent: (string | null)[] = [];
let mutateOnCall = -1;

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
  const real = createPlaidGateway({
    api: sandboxApi(env),
  });
  const gateway: PlaidGateway = {
    ...real,
    async syncTransactions(token, cursor, count) {
      cursorsSent.push(cursor);
      if (cursorsSent.length - 1 === mutateOnCall) {
        throw new PlaidError('ERR_PLAID_INVALID_REQUEST', 'mutation', {
          errorType: 'TRANSACTIONS_ERROR',
          errorCode: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
          requestId: 'r',
          displayMessage: null,
          httpStatus: 400,
        });
      }
      return real.syncTransactions(token, cursor, Math.min(count, PAGE));
    },
  };
  vault = await env.vault({ plaidGateway: gateway });
});
afterAll(async () => env?.close());

describe('data.transactions', () => {
  const userId = 'sync-user';
  let itemId: string;
  let firstCursor: string;

  it('pages through the whole history in one call and persists the cursor', async () => {
    ({ itemId } = await vault.link.sandboxLink({ userId, username: 'user_transactions_dynamic' }));
    const calls = cursorsSent.length;
    const first = await vault.data.transactions({ userId, itemId });
    expect(first.added.length).toBe(50);
    expect(new Set(first.added.map((t) => t.transactionId)).size).toBe(50);
    expect(cursorsSent.length - calls).toBe(Math.ceil(50 / PAGE) + (50 % PAGE === 0 ? 1 : 0));
    expect(containsAny(first, [TOKEN_MARK])).toBe(false);
    firstCursor = first.nextCursor;
    const again = await vault.data.transactions({ userId, itemId });
    expect([again.added.length, again.modified.length, again.removed.length]).toEqual([0, 0, 0]);
    expect(cursorsSent.at(-1)).toBe(firstCursor);
  });

  it('returns the changes after a refresh: new pending, posted ones, a modified amount', async () => {
    env.sb.state.refreshTransactions(itemId);
    const delta = await vault.data.transactions({ userId, itemId });
    expect(delta.added.length).toBeGreaterThan(0);
    expect(delta.removed.length).toBeGreaterThan(0); // pending ones that posted
    expect(delta.modified.length).toBeGreaterThan(0);
    expect(delta.added.some((t) => t.pendingTransactionId !== null)).toBe(true);
  });

  it('an explicit cursor reads from there and does not move the persisted one', async () => {
    const fromFirst = await vault.data.transactions({ userId, itemId, cursor: firstCursor });
    expect(fromFirst.added.length).toBeGreaterThan(0);
    const persisted = await vault.data.transactions({ userId, itemId });
    expect([persisted.added.length, persisted.modified.length, persisted.removed.length]).toEqual([0, 0, 0]);
  });

  it('restarts from the first cursor when Plaid reports a mutation mid-pagination', async () => {
    const { itemId: other } = await vault.link.sandboxLink({ userId: 'sync-user-2', username: 'user_transactions_dynamic' });
    mutateOnCall = cursorsSent.length + 2; // third page of this call fails once
    const delta = await vault.data.transactions({ userId: 'sync-user-2', itemId: other });
    mutateOnCall = -1;
    expect(delta.added.length).toBe(50);
    expect(new Set(delta.added.map((t) => t.transactionId)).size).toBe(50);
  });
});
