/**
 * createVault's `onItemRemoved`: told once an item is gone, whichever path
 * removed it (items.remove, the HTTP route, items.delete, a duplicate replaced
 * at link time, a consent revoked by webhook), after the row and every cached
 * copy are gone; a failing hook does not fail the removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/index.js';
import type { Vault } from '../../src/index.js';
import type { ItemRemovedHook } from '../../src/types/items.js';
import { createMemoryLogger } from './http-harness.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';
import { webhookBody } from './webhook-route.js';

let env: PlaidEnv;
let vault: Vault;
const told: Parameters<ItemRemovedHook>[0][] = [];
/** What the vault still holds when the hook runs: it must already be gone. */
const stillHeld: boolean[] = [];

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
  vault = await env.vault({
    onItemRemoved: async (item) => {
      told.push(item);
      stillHeld.push((await vault.items.list(item.userId)).some((i) => i.itemId === item.itemId));
    },
  });
});
afterAll(async () => env?.close());

const toldAbout = (itemId: string) => told.filter((t) => t.itemId === itemId);

describe('onItemRemoved', () => {
  it('items.remove and items.delete: once each, after the item is gone', async () => {
    const removed = await vault.link.sandboxLink({ userId: 'hook-remove' });
    await vault.items.remove({ userId: 'hook-remove', itemId: removed.itemId });
    // Removing again is a no-op: nothing more to tell.
    await vault.items.remove({ userId: 'hook-remove', itemId: removed.itemId });
    expect(toldAbout(removed.itemId)).toEqual([{ userId: 'hook-remove', itemId: removed.itemId, action: 'item.remove' }]);

    const deleted = await vault.link.sandboxLink({ userId: 'hook-delete' });
    await vault.items.delete({ userId: 'hook-delete', itemId: deleted.itemId });
    expect(toldAbout(deleted.itemId)).toEqual([{ userId: 'hook-delete', itemId: deleted.itemId, action: 'item.delete' }]);
    expect(stillHeld).not.toContain(true);
  });

  it('the HTTP route DELETE /items/:id', async () => {
    const { itemId } = await vault.link.sandboxLink({ userId: 'hook-http' });
    const app = createHttpApp({ vault, getUserId: () => 'hook-http', logger: createMemoryLogger() });
    const res = await app.fetch(new Request(`http://vault.test/items/${encodeURIComponent(itemId)}`, { method: 'DELETE' }));
    expect(res.status).toBe(204);
    expect(toldAbout(itemId)).toEqual([{ userId: 'hook-http', itemId, action: 'item.remove' }]);
  });

  it('a duplicate replaced at link time', async () => {
    const first = await vault.link.sandboxLink({ userId: 'hook-duplicate' });
    const second = await vault.link.sandboxLink({ userId: 'hook-duplicate' });
    expect(second.duplicates).toEqual([{ itemId: first.itemId, action: 'removed' }]);
    expect(toldAbout(first.itemId)).toEqual([{ userId: 'hook-duplicate', itemId: first.itemId, action: 'item.remove' }]);
    expect(toldAbout(second.itemId)).toEqual([]);
  });

  it('a consent revoked by webhook', async () => {
    const { itemId } = await vault.link.sandboxLink({ userId: 'hook-webhook' });
    const raw = webhookBody({
      webhook_type: 'ITEM',
      webhook_code: 'USER_PERMISSION_REVOKED',
      item_id: itemId,
      error: { error_code: 'USER_PERMISSION_REVOKED' },
      environment: 'sandbox',
    });
    expect((await vault.webhooks.handle(raw, { 'plaid-verification': env.sb.signWebhook(raw) })).action).toBe('removed');
    expect(toldAbout(itemId)).toEqual([{ userId: 'hook-webhook', itemId, action: 'item.remove' }]);
  });

  it('a hook that fails is logged; the removal stands', async () => {
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_obj: object, msg?: string) => void errors.push(msg ?? '') };
    const failing = await env.vault({
      logger,
      onItemRemoved: () => {
        throw new Error('the app database is down');
      },
    });
    const { itemId } = await failing.link.sandboxLink({ userId: 'hook-failing' });
    await failing.items.remove({ userId: 'hook-failing', itemId });
    expect(await failing.items.list('hook-failing')).toEqual([]);
    expect(errors).toContain('onItemRemoved failed');
  });
});
