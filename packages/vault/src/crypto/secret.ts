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

  /** Constant-time-ish equality without revealing either side to a log. */
  equals(other: Secret): boolean {
    return this.#value === other.#value;
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
