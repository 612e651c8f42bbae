import { wholeNumberFrom } from './whole-number-env';

/** How many password hashes (scrypt, 32 MiB each) may run at once, and how many may wait. */
export interface PasswordGateSettings {
  /** Hashes running at once in this process. */
  readonly concurrency: number;
  /** Requests waiting for a slot; one more is refused (`PasswordGateFullError`). */
  readonly maxQueued: number;
}

export const DEFAULT_PASSWORD_GATE: PasswordGateSettings = Object.freeze({ concurrency: 2, maxQueued: 32 });

/**
 * The gate's settings from `WEB_SCRYPT_CONCURRENCY` and `WEB_SCRYPT_QUEUE`,
 * validated and frozen. Throws on an invalid value.
 *
 * @example
 * passwordGateSettingsFrom({ WEB_SCRYPT_CONCURRENCY: '1' }); // { concurrency: 1, maxQueued: 32 }
 */
export function passwordGateSettingsFrom(env: Record<string, string | undefined>): PasswordGateSettings {
  const d = DEFAULT_PASSWORD_GATE;
  return Object.freeze({
    concurrency: wholeNumberFrom(env, 'WEB_SCRYPT_CONCURRENCY', d.concurrency, 64),
    maxQueued: wholeNumberFrom(env, 'WEB_SCRYPT_QUEUE', d.maxQueued, 10_000),
  });
}

const BRAND = Symbol.for('plaid-vault-web.PasswordGateFullError');

/** Every slot is busy and the queue is full: the request is refused before any hashing. */
export class PasswordGateFullError extends Error {
  readonly [BRAND] = true;
  constructor() {
    super('Too many password checks are waiting.');
    this.name = 'PasswordGateFullError';
  }
}

/** True for a `PasswordGateFullError` from any copy of this module (Next can load a module once per route bundle). */
export function isPasswordGateFull(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** `first` waits ahead of every `normal` hash: sign-ins (people who have an account) go before sign-ups. */
export type GatePriority = 'first' | 'normal';

export interface PasswordGate {
  /**
   * Run `hash` when a slot is free, waiting in line (first come first served
   * within a priority), or reject with `PasswordGateFullError` when the line is full.
   */
  run<T>(hash: () => Promise<T>, priority?: GatePriority): Promise<T>;
  /** Running and waiting now (for tests and a status line). */
  readonly load: { running: number; queued: number };
}

/**
 * A semaphore for scrypt. Each hash holds 32 MiB and a libuv thread for ~50-100 ms;
 * without a cap, a burst of sign-ups and sign-ins runs them all at once and every
 * one of them (a real user's sign-in too) takes as long as the whole burst. With it,
 * at most `concurrency` run, up to `maxQueued` wait their turn in order, and the
 * rest are refused at once, which the forms show as "busy, try again". Node runs
 * scrypt on libuv's thread pool (4 threads), which file reads and DNS look-ups
 * share: a cap below the pool's size keeps the rest of the server moving too.
 * Sign-ins wait ahead of sign-ups, so a burst of new accounts (already limited
 * by the sign-up limit) does not hold up people signing in.
 *
 * @example
 * const gate = createPasswordGate({ concurrency: 2, maxQueued: 32 });
 * const ok = await gate.run(() => verifyPassword(password, stored));
 */
export function createPasswordGate(settings: PasswordGateSettings): PasswordGate {
  let running = 0;
  const waiting: Record<GatePriority, (() => void)[]> = { first: [], normal: [] };
  const queued = () => waiting.first.length + waiting.normal.length;

  const release = () => {
    const next = waiting.first.shift() ?? waiting.normal.shift();
    // The slot passes straight to the next in line, so `running` never dips and lets a newcomer jump the queue.
    if (next) next();
    else running--;
  };

  return {
    async run(hash, priority = 'normal') {
      if (running < settings.concurrency) running++;
      else if (queued() < settings.maxQueued) await new Promise<void>((resolve) => waiting[priority].push(resolve));
      else throw new PasswordGateFullError();
      try {
        return await hash();
      } finally {
        release();
      }
    },
    get load() {
      return { running, queued: queued() };
    },
  };
}
