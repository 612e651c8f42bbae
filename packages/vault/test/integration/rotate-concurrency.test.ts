/**
 * 20 parallel `rotate` calls on one item from 2 processes sharing PostgreSQL
 * and Redis: exactly one /item/access_token/invalidate reaches plaid-sandbox,
 * and every caller (and the parent) sees the same final token.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vault } from '../../src/index.js';
import { buildVaultDist, forkChild } from '../fixtures/rotate-child-process.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'rotate concurrency');
const redisOk = await requireService('redis', 'rotate concurrency');

describe.skipIf(!pgOk || !redisOk)('rotation across two processes', () => {
  let env: PlaidEnv;
  let vault: Vault;

  beforeAll(async () => {
    buildVaultDist();
    env = await startPlaidEnv({ db: 'postgres', redis: true });
    vault = await env.vault();
  }, 180_000);
  afterAll(async () => env?.close());

  it('20 parallel rotate calls in 2 processes: one invalidate, one final token for all', async () => {
    const userId = 'user-concurrent';
    const { itemId } = await vault.link.sandboxLink({ userId });
    const children = [0, 1].map(() => forkChild({ vault: env.options(), itemId, userId, parallel: 10 }));
    await Promise.all(children.map((c) => c.next('ready')));

    // Slow Plaid down so the two processes' calls surely overlap, whatever the scheduler does.
    env.sb.faults.set({ latencyMs: 150 });
    const before = env.sb.state.counters['/item/access_token/invalidate'] ?? 0;
    for (const c of children) c.proc.send({ type: 'go' });
    const done = await Promise.all(
      children.map((c) => c.next<{ results: { outcome?: string; tokenVersion?: number; code?: string }[]; tokenHash: string }>('done')),
    );
    env.sb.faults.clear();
    await Promise.all(children.map((c) => c.exited));

    expect((env.sb.state.counters['/item/access_token/invalidate'] ?? 0) - before).toBe(1);
    const results = done.flatMap((d) => d.results);
    expect(results).toHaveLength(20);
    expect(results).toEqual(results.map(() => ({ outcome: 'rotated', tokenVersion: 2 })));
    const mine = await vault.withToken({ userId, itemId, purpose: 'test.compare' }, (t) =>
      createHash('sha256').update(t.reveal()).digest('hex'),
    );
    expect(done.map((d) => d.tokenHash)).toEqual([mine, mine]);
    expect((await vault.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
  });
});
