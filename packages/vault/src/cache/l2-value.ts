import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * What L2 holds for an item (format 2): the row's envelope, bound to its Redis
 * key and the row's `token_version` by a MAC under a key derived from the
 * keyring. Someone who can write to Redis but holds no key can then neither
 * forge a version nor move a value to another key; the most they can do is
 * put back an older value of the same item, which the reader refuses once it
 * knows a newer version (see token-versions.ts).
 *
 *   offset  size  field
 *   0       1     format tag 0xB2 (an envelope starts with its own version, 1)
 *   1       4     token_version, big-endian
 *   5       16    MAC: HMAC-SHA256(mac key, key ‖ 0x00 ‖ bytes 0-4 ‖ envelope), first 16 bytes
 *   21      n     the envelope, byte for byte as in the row
 *
 * A value in any other format (a raw envelope written by an earlier version)
 * reads as a miss; the next fill replaces it.
 */
export const L2_FORMAT = 0xb2;
const VERSION_AT = 1;
const MAC_AT = 5;
const MAC_BYTES = 16;
const ENVELOPE_AT = MAC_AT + MAC_BYTES;
const MAX_VERSION = 0xffff_ffff;
const SEPARATOR = Buffer.of(0);

/** Why a value did not decode: `format` = not format 2 (a miss), `mac` = format 2 that fails its MAC (tampered). */
export type L2Refusal = 'format' | 'mac';

export interface L2Entry {
  version: number;
  envelope: Buffer;
}

/** The MAC key, derived from the cache's HMAC key (itself derived from the active KEK, so never in Redis). */
export function deriveL2MacKey(hmacKey: Buffer): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', hmacKey, Buffer.alloc(0), 'plaid-vault/cache-l2-mac/v1', 32)));
}

function mac(macKey: KeyObject, key: string, header: Buffer, envelope: Buffer): Buffer {
  return createHmac('sha256', macKey).update(key).update(SEPARATOR).update(header).update(envelope).digest().subarray(0, MAC_BYTES);
}

/**
 * The L2 value for `envelope` at `version`, or undefined for a version the
 * format cannot hold (never in practice: versions start at 1 and count writes).
 *
 * @example
 * const value = encodeL2Value(macKey, 'pv:app:{h}', row.tokenVersion, row.envelope);
 */
export function encodeL2Value(macKey: KeyObject, key: string, version: number, envelope: Buffer): Buffer | undefined {
  if (!Number.isInteger(version) || version < 0 || version > MAX_VERSION) return undefined;
  const value = Buffer.allocUnsafe(ENVELOPE_AT + envelope.length);
  value[0] = L2_FORMAT;
  value.writeUInt32BE(version, VERSION_AT);
  mac(macKey, key, value.subarray(0, MAC_AT), envelope).copy(value, MAC_AT);
  envelope.copy(value, ENVELOPE_AT);
  return value;
}

/**
 * Check a value read from `key`: its version and envelope, or why it was refused.
 *
 * @example
 * const entry = decodeL2Value(macKey, key, value);
 * if (typeof entry !== 'string') open(entry.envelope);
 */
export function decodeL2Value(macKey: KeyObject, key: string, value: Buffer): L2Entry | L2Refusal {
  if (value.length <= ENVELOPE_AT || value[0] !== L2_FORMAT) return 'format';
  const envelope = value.subarray(ENVELOPE_AT);
  const expected = mac(macKey, key, value.subarray(0, MAC_AT), envelope);
  if (!timingSafeEqual(expected, value.subarray(MAC_AT, ENVELOPE_AT))) return 'mac';
  return { version: value.readUInt32BE(VERSION_AT), envelope };
}

/**
 * The envelope inside a format-2 value, unchecked: for the kid sweep, which
 * holds no MAC key and only reads the kid to decide what to drop.
 */
export function l2ValueEnvelope(value: Buffer): Buffer | undefined {
  return value.length > ENVELOPE_AT && value[0] === L2_FORMAT ? value.subarray(ENVELOPE_AT) : undefined;
}
