import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A plaintext token that never prints. `String(s)`, template literals,
 * `JSON.stringify(s)` and `util.inspect(s)` (so console.log and pino) all give
 * `[redacted]`; `reveal()` is the one way out.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext. Call it at the last moment, inside server code only. */
  reveal(): string {
    return this.#value;
  }

  /** Equality in constant time (digests first, so lengths do not leak either). */
  equals(other: Secret): boolean {
    const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
    return timingSafeEqual(digest(this.#value), digest(other.#value));
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
