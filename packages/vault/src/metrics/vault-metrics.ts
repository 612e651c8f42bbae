import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VaultStats } from '../vault-types.js';
import type { RotationOutcome, VaultMetricsRecorder } from './types.js';

/** Recorder plus the registry `/metrics` renders. */
export interface VaultMetrics extends VaultMetricsRecorder {
  /** A registry of its own: never prom-client's global one, so two vaults in a process do not collide. */
  readonly registry: Registry;
  /** Read cache, decrypt and audit counters from `stats()` at every scrape. */
  observeStats(stats: () => VaultStats): void;
}

// Plaid answers in tens to hundreds of milliseconds; the emulator in well under one.
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BREAKER_STATES = ['closed', 'open', 'half_open', 'disabled'] as const;

/**
 * Prometheus metrics for one vault.
 *
 * @example
 * const metrics = createVaultMetrics();
 * const vault = createVault({ ..., metrics });      // records Plaid latency, errors, rotations
 * const app = createHttpApp({ vault, getUserId, metrics: { token, collector: metrics } });
 */
export function createVaultMetrics(): VaultMetrics {
  const registry = new Registry();
  let source: (() => VaultStats) | undefined;
  // stats() is a cheap synchronous read; each metric takes its own.
  const read = (): VaultStats['cache'] | undefined => source?.().cache;
  const readAudit = (): VaultStats['audit'] | undefined => source?.().audit;

  // Cache counters live in the cache; mirror them as counters at scrape time.
  const mirror = (name: string, help: string, labelNames: string[], fill: (c: Counter, s: VaultStats['cache']) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const s = read();
        if (!s) return;
        this.reset();
        fill(this, s);
      },
    });
  };

  new Gauge({
    name: 'plaid_vault_cache_l1_entries',
    help: 'Tokens held in the in-process L1 cache.',
    registers: [registry],
    collect() {
      const s = read();
      if (s) this.set(s.l1.size);
    },
  });
  mirror('plaid_vault_cache_hits_total', 'Token cache hits by tier.', ['tier'], (c, s) => {
    c.inc({ tier: 'l1' }, s.l1.hits);
    c.inc({ tier: 'l2' }, s.l2.hits);
  });
  mirror('plaid_vault_cache_misses_total', 'Token cache misses by tier.', ['tier'], (c, s) => {
    c.inc({ tier: 'l1' }, s.l1.misses);
    c.inc({ tier: 'l2' }, s.l2.misses);
  });
  mirror('plaid_vault_cache_l2_errors_total', 'Redis (L2) errors absorbed by the cache.', [], (c, s) => c.inc(s.l2.errors));
  mirror('plaid_vault_store_loads_total', 'Database reads made by the cache miss path.', [], (c, s) => c.inc(s.loads));
  mirror('plaid_vault_decrypts_total', 'Token envelopes opened (L2 hits plus database loads).', [], (c, s) => c.inc(s.decrypts));
  new Gauge({
    name: 'plaid_vault_cache_breaker_state',
    help: 'Redis circuit breaker: 1 for the current state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = read();
      if (!s) return;
      for (const state of BREAKER_STATES) this.set({ state }, s.breaker === state ? 1 : 0);
    },
  });

  // The audit log's health: an append that cannot proceed must be visible without reading logs.
  const auditCounter = (name: string, help: string, pick: (a: VaultStats['audit']) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const a = readAudit();
        if (!a) return;
        this.reset();
        this.inc(pick(a));
      },
    });
  };
  const auditGauge = (name: string, help: string, pick: (a: VaultStats['audit']) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const a = readAudit();
        if (a) this.set(pick(a));
      },
    });
  };
  auditCounter(
    'plaid_vault_audit_append_failures_total',
    'Audit appends that failed (the events stay buffered and are retried).',
    (a) => a.appendFailures,
  );
  auditCounter(
    'plaid_vault_audit_dropped_total',
    'Audit events dropped: beyond the buffer bound during an outage, or recorded after close.',
    (a) => a.dropped,
  );
  auditCounter(
    'plaid_vault_audit_refused_total',
    'Token uses refused in strict mode because their audit event could not be committed.',
    (a) => a.refused,
  );
  auditGauge('plaid_vault_audit_buffered_events', 'Audit events recorded and not yet written.', (a) => a.pending);
  auditGauge(
    'plaid_vault_audit_oldest_pending_seconds',
    'Age of the oldest audit event not yet written (0 when none).',
    (a) => a.oldestPendingSeconds,
  );
  auditGauge('plaid_vault_audit_failing', '1 while audit appends fail (or, in strict mode, miss their deadline), else 0.', (a) =>
    a.failing ? 1 : 0,
  );

  const latency = new Histogram({
    name: 'plaid_vault_plaid_request_duration_seconds',
    help: 'Plaid API call latency by operation.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const plaidErrors = new Counter({
    name: 'plaid_vault_plaid_errors_total',
    help: 'Failed Plaid API calls by operation and vault error code.',
    labelNames: ['operation', 'code'],
    registers: [registry],
  });
  const rotations = new Counter({
    name: 'plaid_vault_rotations_total',
    help: 'Token rotations by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });

  return {
    registry,
    observeStats(stats) {
      source = stats;
    },
    plaidRequest(operation, seconds, errorCode) {
      latency.observe({ operation }, seconds);
      if (errorCode !== null) plaidErrors.inc({ operation, code: errorCode });
    },
    rotation(outcome: RotationOutcome, count = 1) {
      rotations.inc({ outcome }, count);
    },
  };
}
