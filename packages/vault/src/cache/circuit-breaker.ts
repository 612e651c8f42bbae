import type { Clock } from '../types/clock.js';
import type { Logger } from '../types/logger.js';
import type { BreakerState } from '../types/cache.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  threshold?: number;
  /** How long the breaker stays open before one probe is let through. */
  cooldownMs?: number;
  clock: Clock;
  logger: Logger;
  /** Names the dependency in the transition log lines. */
  name: string;
}

/**
 * A consecutive-failure circuit breaker. While open, `allow()` is false so the
 * caller skips the dependency entirely (no timeouts piling up); after the
 * cool-down exactly one probe is allowed (half-open) and its outcome closes or
 * re-opens the breaker. Each transition is logged once, never per request.
 *
 * @example
 * const breaker = createCircuitBreaker({ clock, logger, name: 'redis' });
 * if (breaker.allow()) { try { await op(); breaker.success(); } catch { breaker.failure(); } }
 */
export interface CircuitBreaker {
  allow(): boolean;
  success(): void;
  failure(): void;
  readonly state: BreakerState;
  /** Called after every transition (the cache uses it to replay pending invalidations). */
  onChange(listener: (state: BreakerState) => void): void;
}

export function createCircuitBreaker(opts: CircuitBreakerOptions): CircuitBreaker {
  return new ConsecutiveFailureBreaker(opts);
}

class ConsecutiveFailureBreaker implements CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #listeners: ((state: BreakerState) => void)[] = [];
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(opts: CircuitBreakerOptions) {
    this.#threshold = opts.threshold ?? 5;
    this.#cooldownMs = opts.cooldownMs ?? 1500;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#name = opts.name;
  }

  get state(): BreakerState {
    return this.#state;
  }

  onChange(listener: (state: BreakerState) => void): void {
    this.#listeners.push(listener);
  }

  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.#clock.now().getTime() - this.#openedAt < this.#cooldownMs) return false;
      this.#transition('half_open');
    }
    // Half-open: one probe at a time; everyone else keeps skipping.
    if (this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    if (this.#state !== 'closed') {
      this.#probeInFlight = false;
      this.#transition('closed');
    }
  }

  failure(): void {
    this.#failures += 1;
    if (this.#state === 'half_open' || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#probeInFlight = false;
      this.#openedAt = this.#clock.now().getTime();
      this.#transition('open');
    }
  }

  #transition(next: BreakerState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    // Half-open is a routine step of recovery; only the outage and the recovery are worth a line.
    if (next === 'open' && prev === 'closed') {
      this.#logger.warn({ dependency: this.#name, failures: this.#failures }, `${this.#name} unavailable; circuit open, bypassing it`);
    } else if (next === 'closed') {
      this.#logger.info({ dependency: this.#name }, `${this.#name} available again; circuit closed`);
    }
    for (const listener of this.#listeners) listener(next);
  }
}
