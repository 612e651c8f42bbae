import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VaultStats } from '../types/vault.js';
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

  // Counters that live in the cache and the audit log, mirrored at scrape time
  // from stats() (a cheap synchronous read; each metric takes its own).
  const mirror = (name: string, help: string, labelNames: string[], fill: (c: Counter, s: VaultStats) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const s = source?.();
        if (!s) return;
        this.reset();
        fill(this, s);
      },
    });
  };
  const gauge = (name: string, help: string, pick: (s: VaultStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = source?.();
        if (s) this.set(pick(s));
      },
    });
  };

  gauge('plaid_vault_cache_l1_entries', 'Tokens held in the in-process L1 cache.', (s) => s.cache.l1.size);
  mirror('plaid_vault_cache_hits_total', 'Token cache hits by tier.', ['tier'], (c, s) => {
    c.inc({ tier: 'l1' }, s.cache.l1.hits);
    c.inc({ tier: 'l2' }, s.cache.l2.hits);
  });
  mirror('plaid_vault_cache_misses_total', 'Token cache misses by tier.', ['tier'], (c, s) => {
    c.inc({ tier: 'l1' }, s.cache.l1.misses);
    c.inc({ tier: 'l2' }, s.cache.l2.misses);
  });
  mirror('plaid_vault_cache_l2_errors_total', 'Redis (L2) errors absorbed by the cache.', [], (c, s) => c.inc(s.cache.l2.errors));
  mirror(
    'plaid_vault_cache_l2_rejected_total',
    'Redis (L2) values refused: a MAC that fails, or older than a token version this instance knows.',
    [],
    (c, s) => c.inc(s.cache.l2.rejected),
  );
  mirror('plaid_vault_store_loads_total', 'Database reads made by the cache miss path.', [], (c, s) => c.inc(s.cache.loads));
  mirror('plaid_vault_decrypts_total', 'Token envelopes opened (L2 hits plus database loads).', [], (c, s) => c.inc(s.cache.decrypts));
  new Gauge({
    name: 'plaid_vault_cache_bus_up',
    help: 'Invalidation bus: 1 while subscribed and answering PINGs, 0 while down (the in-process cache is then bypassed). Absent without Redis.',
    registers: [registry],
    collect() {
      const s = source?.();
      this.reset();
      if (s && s.cache.bus !== 'disabled') this.set(s.cache.bus === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'plaid_vault_cache_breaker_state',
    help: 'Redis circuit breaker: 1 for the current state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = source?.();
      if (!s) return;
      for (const state of BREAKER_STATES) this.set({ state }, s.cache.breaker === state ? 1 : 0);
    },
  });

  // The audit log's health: an append that cannot proceed must be visible without reading logs.
  mirror('plaid_vault_audit_append_failures_total', 'Audit appends that failed (the events stay buffered and are retried).', [], (c, s) =>
    c.inc(s.audit.appendFailures),
  );
  mirror(
    'plaid_vault_audit_dropped_total',
    'Audit events dropped: beyond the buffer bound during an outage, or recorded after close.',
    [],
    (c, s) => c.inc(s.audit.dropped),
  );
  mirror(
    'plaid_vault_audit_refused_total',
    'Token uses refused in strict mode because their audit event could not be committed.',
    [],
    (c, s) => c.inc(s.audit.refused),
  );
  gauge('plaid_vault_audit_buffered_events', 'Audit events recorded and not yet written.', (s) => s.audit.pending);
  gauge(
    'plaid_vault_audit_oldest_pending_seconds',
    'Age of the oldest audit event not yet written (0 when none).',
    (s) => s.audit.oldestPendingSeconds,
  );
  gauge('plaid_vault_audit_failing', '1 while audit appends fail (or, in strict mode, miss their deadline), else 0.', (s) =>
    s.audit.failing ? 1 : 0,
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
