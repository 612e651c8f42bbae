import type { KeyObject } from 'node:crypto';
import { decodeL2Value, deriveL2MacKey, encodeL2Value, type L2Entry } from './l2-value.js';
import { createTokenVersions, type TokenVersions } from './token-versions.js';

/** Items whose token version an instance remembers (about 120 B each: 5.6 MB when full). */
const VERSIONS_MAX = 50_000;

/**
 * What the cache takes from Redis and what it puts there: values bound to
 * their Redis key and token version by a MAC (l2-value.ts), checked against
 * the newest version this instance knows for the item (token-versions.ts).
 *
 * @example
 * const guard = createL2Guard(hmacKey, (hash) => tier.key(hash));
 * const entry = guard.check(hash, value); // undefined: read the store
 */
export interface L2Guard {
  /** The entry to open, or undefined: absent from the checks' point of view (older format) or refused (counted). */
  check(hash: string, value: Buffer): L2Entry | undefined;
  /** `entry` opened and was served: its version existed. */
  served(hash: string, entry: L2Entry): void;
  /** A store read not overtaken by an invalidation: the version, or undefined when the row is gone. */
  loaded(hash: string, version: number | undefined): void;
  invalidated(hash: string): void;
  /** The value to fill for a row just read, or undefined when its version does not fit the format. */
  encode(hash: string, version: number, envelope: Buffer): Buffer | undefined;
  /** Values refused: a MAC that fails, or a version older than the one known. */
  readonly rejected: number;
}

export function createL2Guard(hmacKey: Buffer, keyOf: (hash: string) => string): L2Guard {
  const macKey: KeyObject = deriveL2MacKey(hmacKey);
  const versions: TokenVersions = createTokenVersions(VERSIONS_MAX);
  let rejected = 0;
  return {
    check(hash, value) {
      const entry = decodeL2Value(macKey, keyOf(hash), value);
      if (entry === 'format') return undefined;
      if (entry === 'mac' || !versions.accepts(hash, entry.version)) {
        rejected += 1;
        return undefined;
      }
      return entry;
    },
    served: (hash, entry) => versions.saw(hash, entry.version),
    loaded: (hash, version) => versions.loaded(hash, version),
    invalidated: (hash) => versions.invalidated(hash),
    encode: (hash, version, envelope) => encodeL2Value(macKey, keyOf(hash), version, envelope),
    get rejected() {
      return rejected;
    },
  };
}
