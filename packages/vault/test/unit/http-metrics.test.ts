import { describe, expect, it } from 'vitest';
import { PlaidError } from '../../src/errors.js';
import { instrumentPlaidGateway } from '../../src/metrics/instrument.js';
import { createVaultMetrics } from '../../src/metrics/vault-metrics.js';
import type { VaultStats } from '../../src/types/vault.js';

const HEALTHY_AUDIT: VaultStats['audit'] = {
  mode: 'buffered',
  pending: 0,
  oldestPendingSeconds: 0,
  failing: false,
  lastErrorCode: null,
  appendFailures: 0,
  dropped: 0,
  refused: 0,
};

function stats(over: { l1Hits: number; l2Hits: number; decrypts: number }, audit = HEALTHY_AUDIT): VaultStats {
  return {
    audit,
    cache: {
      l1: { hits: over.l1Hits, misses: 3, size: 2 },
      l2: { hits: over.l2Hits, misses: 1, errors: 0, rejected: 0, enabled: true },
      loads: 1,
      decrypts: over.decrypts,
      breaker: 'closed',
      bus: 'up',
      invalidations: { published: 0, received: 0, localClears: 0 },
    },
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createVaultMetrics', () => {
  it('mirrors cache counters from stats() at every scrape', async () => {
    const m = createVaultMetrics();
    let current = stats({ l1Hits: 10, l2Hits: 4, decrypts: 5 });
    m.observeStats(() => current);
    let text = await m.registry.metrics();
    expect(sample(text, 'plaid_vault_cache_hits_total{tier="l1"}')).toBe(10);
    expect(sample(text, 'plaid_vault_cache_hits_total{tier="l2"}')).toBe(4);
    expect(sample(text, 'plaid_vault_decrypts_total')).toBe(5);
    expect(sample(text, 'plaid_vault_cache_breaker_state{state="closed"}')).toBe(1);
    expect(sample(text, 'plaid_vault_cache_bus_up')).toBe(1);
    expect(sample(text, 'plaid_vault_cache_l2_rejected_total')).toBe(0);

    current = stats({ l1Hits: 25, l2Hits: 4, decrypts: 7 });
    text = await m.registry.metrics();
    // Not accumulated across scrapes: the value is the cache's own counter.
    expect(sample(text, 'plaid_vault_cache_hits_total{tier="l1"}')).toBe(25);
    expect(sample(text, 'plaid_vault_decrypts_total')).toBe(7);
  });

  it('mirrors the audit log: append failures, drops, refusals, pending events and whether it is failing', async () => {
    const m = createVaultMetrics();
    let current = stats({ l1Hits: 0, l2Hits: 0, decrypts: 0 });
    m.observeStats(() => current);
    let text = await m.registry.metrics();
    expect(sample(text, 'plaid_vault_audit_failing')).toBe(0);
    expect(sample(text, 'plaid_vault_audit_append_failures_total')).toBe(0);
    current = stats(
      { l1Hits: 0, l2Hits: 0, decrypts: 0 },
      {
        ...HEALTHY_AUDIT,
        pending: 42,
        oldestPendingSeconds: 7.5,
        failing: true,
        lastErrorCode: 'ERR_AUDIT_CHAIN_BLOCKED',
        appendFailures: 3,
        dropped: 2,
        refused: 5,
      },
    );
    text = await m.registry.metrics();
    expect(sample(text, 'plaid_vault_audit_failing')).toBe(1);
    expect(sample(text, 'plaid_vault_audit_append_failures_total')).toBe(3);
    expect(sample(text, 'plaid_vault_audit_dropped_total')).toBe(2);
    expect(sample(text, 'plaid_vault_audit_refused_total')).toBe(5);
    expect(sample(text, 'plaid_vault_audit_buffered_events')).toBe(42);
    expect(sample(text, 'plaid_vault_audit_oldest_pending_seconds')).toBe(7.5);
  });

  it('records Plaid latency per operation and errors by code, and rotations by outcome', async () => {
    const m = createVaultMetrics();
    m.plaidRequest('accounts/get', 0.02, null);
    m.plaidRequest('accounts/get', 0.03, 'ERR_PLAID_RATE_LIMITED');
    m.plaidRequest('item/remove', 0.01, 'ERR_PLAID_API_ERROR');
    m.rotation('rotated');
    m.rotation('rotated');
    m.rotation('relink_required');
    const text = await m.registry.metrics();
    expect(sample(text, 'plaid_vault_plaid_request_duration_seconds_count{operation="accounts/get"}')).toBe(2);
    expect(sample(text, 'plaid_vault_plaid_errors_total{operation="accounts/get",code="ERR_PLAID_RATE_LIMITED"}')).toBe(1);
    expect(sample(text, 'plaid_vault_plaid_errors_total{operation="item/remove",code="ERR_PLAID_API_ERROR"}')).toBe(1);
    expect(sample(text, 'plaid_vault_rotations_total{outcome="rotated"}')).toBe(2);
    expect(sample(text, 'plaid_vault_rotations_total{outcome="relink_required"}')).toBe(1);
  });

  it('keeps a registry of its own (two instances do not collide or share values)', async () => {
    const a = createVaultMetrics();
    const b = createVaultMetrics();
    a.rotation('rotated');
    expect(sample(await a.registry.metrics(), 'plaid_vault_rotations_total{outcome="rotated"}')).toBe(1);
    expect(sample(await b.registry.metrics(), 'plaid_vault_rotations_total{outcome="rotated"}')).toBeUndefined();
  });
});

describe('instrumentPlaidGateway', () => {
  const plaidFields = { errorType: 'RATE_LIMIT_EXCEEDED', errorCode: 'RATE_LIMIT', requestId: null, displayMessage: null, httpStatus: 429 };
  // A stand-in gateway: two operations, one failing the way the real gateway fails (a mapped PlaidError).
  const gateway = {
    calls: 0,
    async getAccounts(token: string) {
      this.calls++;
      return [token.length];
    },
    async removeItem() {
      throw new PlaidError('ERR_PLAID_RATE_LIMITED', 'Rate limited.', plaidFields);
    },
    health(): 'ok' | 'down' {
      return 'ok';
    },
  };

  it('times each call, passes results and errors through, and counts errors by code', async () => {
    const m = createVaultMetrics();
    const g = instrumentPlaidGateway(gateway, m);
    expect(await g.getAccounts('abc')).toEqual([3]);
    expect(gateway.calls).toBe(1);
    await expect(g.removeItem()).rejects.toMatchObject({ code: 'ERR_PLAID_RATE_LIMITED' });
    const text = await m.registry.metrics();
    expect(sample(text, 'plaid_vault_plaid_request_duration_seconds_count{operation="getAccounts"}')).toBe(1);
    expect(sample(text, 'plaid_vault_plaid_request_duration_seconds_count{operation="removeItem"}')).toBe(1);
    expect(sample(text, 'plaid_vault_plaid_errors_total{operation="removeItem",code="ERR_PLAID_RATE_LIMITED"}')).toBe(1);
    expect(text).not.toContain('operation="getAccounts",code=');
    // A synchronous method stays synchronous and is not a Plaid call.
    expect(g.health()).toBe('ok');
    expect(text).not.toContain('operation="health"');
  });
});
