import { isVaultError } from '../errors.js';

export interface RetryOptions {
  /** Total attempts, first included. Default 3. */
  attempts?: number;
  /** Base delay of the exponential back-off. Default 100 ms. */
  baseMs?: number;
  /** Upper bound of one delay. Default 2 s. */
  capMs?: number;
  /** Injected randomness in [0, 1) (tests pin it). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type Retrier = <T>(fn: () => Promise<T>) => Promise<T>;

const RETRYABLE = new Set(['ERR_PLAID_RATE_LIMITED', 'ERR_PLAID_API_ERROR', 'ERR_PLAID_UNREACHABLE']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Plaid failures worth another try: 429, 5xx and transport errors. */
export function isRetryablePlaidError(err: unknown): boolean {
  return isVaultError(err) && RETRYABLE.has(err.code);
}

/**
 * Bounded retries with exponential back-off and full jitter (delay uniformly in
 * [0, min(cap, base * 2^n))), so many clients hitting a rate limit spread out.
 * Only for idempotent reads: the gateway never wraps invalidate, remove or exchange.
 */
export function createRetrier(options: RetryOptions = {}): Retrier {
  const attempts = Math.max(1, options.attempts ?? 3);
  const baseMs = options.baseMs ?? 100;
  const capMs = options.capMs ?? 2000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  return async function retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= attempts || !isRetryablePlaidError(err)) throw err;
        await sleep(Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1))));
      }
    }
  };
}
