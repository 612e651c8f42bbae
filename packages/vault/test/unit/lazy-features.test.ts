/**
 * The facades vault.ts puts in front of wire-features.ts (cold start, issue
 * 13): one load shared by concurrent first calls, a failed load tried again,
 * calls passed through unchanged, and the synchronous checks kept synchronous.
 * The wiring here is a plain object of functions handed to lazyFeatures, as
 * vault.ts hands it the real one; the real one is traced in a fresh process by
 * drivers-on-demand.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { lazyFeatures } from '../../src/lazy-features.js';
import type { PlaidGateway } from '../../src/plaid/types.js';
import type { Features } from '../../src/wire-features.js';

/** A wiring whose every method answers `[namespace.method, ...args]`; `closed` counts close(). */
function fakeFeatures(): Features & { closed: number } {
  const answer =
    (name: string) =>
    async (...args: unknown[]) => [name, ...args];
  const ns = (prefix: string, names: string[]) => Object.fromEntries(names.map((n) => [n, answer(`${prefix}.${n}`)]));
  const features = {
    items: ns('items', ['rotate', 'rotateDue', 'remove', 'delete']),
    link: ns('link', ['createLinkToken', 'exchange', 'sandboxLink']),
    data: ns('data', ['accounts', 'balances', 'transactions', 'identity', 'auth', 'holdings', 'investmentTransactions', 'liabilities']),
    webhooks: ns('webhooks', ['handle']),
    keys: ns('keys', ['usage', 'rekey', 'retire']),
    recover: answer('recover'),
    import: answer('import'),
    doctor: answer('doctor'),
    plaidHealth: () => 'ok',
    closed: 0,
    async close() {
      features.closed++;
    },
  };
  return features as unknown as Features & { closed: number };
}

/** A wire() that counts its calls and resolves when the test says so. */
function gatedWire(features = fakeFeatures()) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const wire = { calls: 0, features, open, fn: async () => (wire.calls++, await gate, features) };
  return wire;
}

const ref = { userId: 'user-1', itemId: 'item-1' };

describe('lazyFeatures', () => {
  it('loads nothing until a feature is called', async () => {
    const wire = gatedWire();
    const lazy = lazyFeatures(wire.fn);
    expect(wire.calls).toBe(0);
    expect(lazy.plaidHealth()).toBe('unknown');
    await lazy.close();
    expect(wire.features.closed).toBe(0);
  });

  it('concurrent first calls share one load, and each gets its own answer', async () => {
    const wire = gatedWire();
    const { vault } = lazyFeatures(wire.fn);
    const calls = Promise.all([
      vault.data.accounts(ref),
      vault.webhooks.handle('{}', {}),
      vault.keys.usage(),
      vault.items.remove(ref),
      vault.doctor(),
      vault.data.accounts({ ...ref, requestId: 'r2' }),
    ]);
    wire.open();
    expect(await calls).toEqual([
      ['data.accounts', ref],
      ['webhooks.handle', '{}', {}],
      ['keys.usage'],
      ['items.remove', ref],
      ['doctor'],
      ['data.accounts', { ...ref, requestId: 'r2' }],
    ]);
    expect(wire.calls).toBe(1);
    await vault.link.createLinkToken({ userId: 'user-1' });
    expect(wire.calls).toBe(1);
  });

  it('a failed load rejects the calls that waited for it and is tried again by the next call', async () => {
    const features = fakeFeatures();
    let calls = 0;
    const lazy = lazyFeatures(async () => {
      calls++;
      if (calls === 1) throw new Error('load failed');
      return features;
    });
    const first = await Promise.allSettled([lazy.vault.data.accounts(ref), lazy.vault.recover()]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(lazy.vault.recover()).resolves.toEqual(['recover']);
    expect(calls).toBe(2);
  });

  it('once loaded, a call goes straight through: the same result, error and (sync) throw as the wiring', async () => {
    const features = fakeFeatures();
    const boom = new Error('sync');
    features.keys.usage = () => {
      throw boom;
    };
    const lazy = lazyFeatures(async () => features);
    await lazy.load();
    expect(() => lazy.vault.keys.usage()).toThrow(boom);
    expect(lazy.vault.data.balances(ref)).toBeInstanceOf(Promise);
    expect(lazy.plaidHealth()).toBe('ok');
    await lazy.close();
    expect(features.closed).toBe(1);
  });

  it('items.rotate throws ERR_INPUT_INVALID synchronously for a bad id before the features load, as the rotator does', () => {
    const wire = gatedWire();
    const { vault } = lazyFeatures(wire.fn);
    expect(() => vault.items.rotate({ itemId: 'has space' })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
    expect(() => vault.items.rotate({ itemId: 'item-1', userId: '' })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
    expect(wire.calls).toBe(0);
  });

  it('before the load, Plaid health is what a gateway handed in says', () => {
    const given = { health: () => 'down' } as unknown as PlaidGateway;
    expect(lazyFeatures(gatedWire().fn, given).plaidHealth()).toBe('down');
  });

  it('close waits for a load in progress, then closes what it opened', async () => {
    const wire = gatedWire();
    const lazy = lazyFeatures(wire.fn);
    const call = lazy.vault.keys.usage();
    const closing = lazy.close();
    wire.open();
    await closing;
    await call;
    expect(wire.features.closed).toBe(1);
  });
});
