import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigInvalidError } from '../errors.js';
import { OPERATOR_ID } from '../operator-ids.js';
import { KEYGEN_HINT } from './keygen.js';

export { generateKeyEntry } from './keygen.js';

/**
 * The key-encryption keys (KEKs), by kid. The first kid is active: new
 * envelopes are sealed under it; the others only open older envelopes.
 * Key bytes are never reachable from the object itself, so printing,
 * spreading or serialising a keyring shows kids only.
 */
export interface Keyring {
  readonly activeKid: string;
  readonly kids: readonly string[];
  has(kid: string): boolean;
}

const KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Module-private: only this module (and envelope.ts through `kekOf`) sees keys.
const keysOf = new WeakMap<Keyring, ReadonlyMap<string, KeyObject>>();

class EnvKeyring implements Keyring {
  readonly activeKid: string;
  readonly kids: readonly string[];

  constructor(kids: readonly string[]) {
    this.activeKid = kids[0]!;
    this.kids = Object.freeze([...kids]);
  }

  has(kid: string): boolean {
    return keysOf.get(this)!.has(kid);
  }

  toJSON(): { activeKid: string; kids: readonly string[] } {
    return { activeKid: this.activeKid, kids: this.kids };
  }

  [inspect.custom](): string {
    return `Keyring { activeKid: ${inspect(this.activeKid)}, kids: ${inspect(this.kids)} }`;
  }
}

function refuse(source: string, problem: string, details: Record<string, unknown> = {}): never {
  throw new ConfigInvalidError(`${source}: ${problem}. ${KEYGEN_HINT}`, { details: { variable: source, ...details } });
}

export interface ParseKeyringOptions {
  /**
   * Name entries by position only, never by kid, in messages and details: for
   * text that may not be a keyring at all (a command's output), where even the
   * part before a colon may be secret. Default false.
   */
  anonymous?: boolean;
}

/**
 * Parse a keyring spec: `kid:base64` entries separated by commas (or
 * whitespace), the first one active. Fails closed with ERR_CONFIG_INVALID on
 * anything but 32 distinct, non-degenerate keys under well-formed unique kids.
 * Messages name the entry's position (and kid once it is known valid, unless
 * `anonymous`), never key bytes.
 *
 * @example
 * const keyring = parseKeyring(process.env.VAULT_KEYS!); // "k2:...,k1:..."
 * keyring.activeKid; // "k2"
 */
export function parseKeyring(spec: string, source = 'VAULT_KEYS', options: ParseKeyringOptions = {}): Keyring {
  const entries = spec.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) refuse(source, 'no key is configured');
  const keys = new Map<string, KeyObject>();
  const kidEntry = new Map<string, number>();
  const seen = new Map<string, { kid: string; position: number }>();
  const named = (kid: string, entry: number) => (options.anonymous ? `entry ${entry}` : `kid "${kid}"`);
  entries.forEach((entry, index) => {
    const position = index + 1;
    const at = { entry: position };
    const colon = entry.indexOf(':');
    if (colon < 0) refuse(source, `entry ${position} is not "kid:base64"`, at);
    const kid = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!OPERATOR_ID.test(kid)) refuse(source, `entry ${position} has a malformed kid (1-64 of A-Z a-z 0-9 . _ -)`, at);
    const where = options.anonymous ? at : { ...at, kid };
    const name = named(kid, position);
    const first = kidEntry.get(kid);
    if (first !== undefined)
      refuse(source, options.anonymous ? `entries ${first} and ${position} have the same kid` : `kid "${kid}" appears twice`, where);
    if (!BASE64.test(encoded)) refuse(source, `the key of ${name} is not valid base64`, where);
    const bytes = Buffer.from(encoded, 'base64');
    try {
      if (bytes.length !== KEY_BYTES) refuse(source, `the key of ${name} is ${bytes.length} bytes, not ${KEY_BYTES}`, where);
      if (bytes.every((byte) => byte === bytes[0])) refuse(source, `the key of ${name} is one repeated byte, not random`, where);
      const fingerprint = bytes.toString('hex');
      const twin = seen.get(fingerprint);
      if (twin !== undefined) {
        const pair = options.anonymous ? `entries ${twin.position} and ${position}` : `kids "${twin.kid}" and "${kid}"`;
        refuse(source, `${pair} hold the same key`, where);
      }
      seen.set(fingerprint, { kid, position });
      kidEntry.set(kid, position);
      keys.set(kid, createSecretKey(bytes));
    } finally {
      bytes.fill(0);
    }
  });
  const keyring = new EnvKeyring([...keys.keys()]);
  keysOf.set(keyring, keys);
  return Object.freeze(keyring);
}

/** The KEK for `kid`, or undefined. Internal: for envelope.ts only. */
export function kekOf(keyring: Keyring, kid: string): KeyObject | undefined {
  const keys = keysOf.get(keyring);
  if (keys === undefined) throw new ConfigInvalidError('This keyring was not created by parseKeyring or loadKeyring.');
  return keys.get(kid);
}

/**
 * A 32-byte subkey of the ACTIVE key for one purpose (HKDF-SHA256, info =
 * `label`), e.g. HMAC keys for Redis key names. Distinct labels give
 * independent keys; the key itself never leaves the keyring. It changes when
 * the active key does.
 *
 * @example
 * const redisKeyKey = deriveSubkey(keyring, 'plaid-vault/redis-key/v1');
 */
export function deriveSubkey(keyring: Keyring, label: string): Buffer {
  if (label === '') throw new ConfigInvalidError('deriveSubkey needs a non-empty label.');
  const kek = kekOf(keyring, keyring.activeKid)!;
  const ikm = kek.export();
  try {
    return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), label, KEY_BYTES));
  } finally {
    ikm.fill(0);
  }
}
