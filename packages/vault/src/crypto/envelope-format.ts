/**
 * The byte layout of a sealed token (format version 1). Self-describing: a
 * reader needs only the keyring and the row's item and user ids.
 *
 *   offset      size  field
 *   0           1     format version (1)
 *   1           1     kid length k (1..64)
 *   2           k     kid (ASCII)
 *   h = 2+k     12    DEK IV
 *   h+12        32    DEK sealed under the KEK (AES-256-GCM)
 *   h+44        16    DEK tag
 *   h+60        12    token IV
 *   h+72        n     token sealed under the DEK (AES-256-GCM)
 *   end-24      16    token tag
 *   end-4       4     check: CRC-32 (big-endian) of every byte before it
 *
 * The check is not a security boundary (the GCM tags are): it makes any
 * damaged envelope, a flipped kid byte included, fail as "decrypt failed"
 * before the kid is looked up, instead of passing for a key that is missing.
 */
import { DecryptFailedError } from '../errors.js';
import { crc32 } from './crc32.js';
import { OPERATOR_ID } from '../operator-ids.js';

export const VERSION = 1;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const DEK_BYTES = 32;
export const CHECK_BYTES = 4;
/** From the DEK IV to the token IV's end. */
const FIXED_BODY = IV_BYTES + DEK_BYTES + TAG_BYTES + IV_BYTES;
/** Version, a 1-byte kid, the fixed body, an empty token, its tag, the check. */
const MIN_SIZE = 3 + FIXED_BODY + TAG_BYTES + CHECK_BYTES;

/** The row an envelope belongs to: both ids are bound into its additional data. */
export interface SealRef {
  itemId: string;
  userId: string;
}

/** Where each part of a checked envelope sits. Offsets are absolute. */
export interface EnvelopeLayout {
  kid: string;
  /** End of version + kid (the header the DEK's AAD repeats). */
  headerEnd: number;
  dekIv: number;
  wrappedDek: number;
  dekTag: number;
  tokenIv: number;
  tokenCt: number;
  tokenTag: number;
  check: number;
}

export function layoutFor(kidLength: number, tokenLength: number): { size: number; layout: Omit<EnvelopeLayout, 'kid'> } {
  const headerEnd = 2 + kidLength;
  const tokenCt = headerEnd + FIXED_BODY;
  const tokenTag = tokenCt + tokenLength;
  const check = tokenTag + TAG_BYTES;
  return {
    size: check + CHECK_BYTES,
    layout: {
      headerEnd,
      dekIv: headerEnd,
      wrappedDek: headerEnd + IV_BYTES,
      dekTag: headerEnd + IV_BYTES + DEK_BYTES,
      tokenIv: headerEnd + IV_BYTES + DEK_BYTES + TAG_BYTES,
      tokenCt,
      tokenTag,
      check,
    },
  };
}

/** Validate structure and check bytes; DecryptFailedError on anything off. */
export function parseEnvelope(envelope: Buffer): EnvelopeLayout {
  if (!Buffer.isBuffer(envelope) || envelope.length < MIN_SIZE || envelope[0] !== VERSION) throw new DecryptFailedError();
  const headerEnd = 2 + envelope[1]!;
  const check = envelope.length - CHECK_BYTES;
  const tokenCt = headerEnd + FIXED_BODY;
  if (tokenCt + TAG_BYTES > check) throw new DecryptFailedError();
  if (crc32(envelope, check) !== envelope.readUInt32BE(check)) throw new DecryptFailedError();
  const kid = envelope.toString('latin1', 2, headerEnd);
  if (!OPERATOR_ID.test(kid)) throw new DecryptFailedError();
  return {
    kid,
    headerEnd,
    dekIv: headerEnd,
    wrappedDek: headerEnd + IV_BYTES,
    dekTag: headerEnd + IV_BYTES + DEK_BYTES,
    tokenIv: tokenCt - IV_BYTES,
    tokenCt,
    tokenTag: check - TAG_BYTES,
    check,
  };
}

/** Write the check bytes of a fully written envelope. */
export function writeCheck(envelope: Buffer): void {
  const check = envelope.length - CHECK_BYTES;
  envelope.writeUInt32BE(crc32(envelope, check), check);
}

/** The additional data of both layers for one envelope (see `aadFor`). */
export interface Aad {
  dek: Buffer;
  token: Buffer;
}

/**
 * Additional data binding each layer to its row, built in one buffer:
 *
 *   dek   = 0x44 'D' | kid length | kid | token
 *   token = version | u32 length | itemId | u32 length | userId
 *
 * Lengths prefix the ids so no two (itemId, userId) pairs encode alike, and
 * the first byte (0x44 vs the version) keeps the layers apart. The DEK layer
 * carries the kid (so it pins the envelope header); the token layer does not,
 * so a rekey keeps the token ciphertext as it is (its DEK is only released by
 * the kid-bound layer).
 */
export function aadFor(kid: string, ref: SealRef): Aad {
  const itemBytes = Buffer.byteLength(ref.itemId, 'utf8');
  const userBytes = Buffer.byteLength(ref.userId, 'utf8');
  const tokenStart = 2 + kid.length;
  const aad = Buffer.allocUnsafe(tokenStart + 9 + itemBytes + userBytes);
  aad[0] = 0x44;
  aad[1] = kid.length;
  aad.write(kid, 2, 'latin1');
  aad[tokenStart] = VERSION;
  let at = aad.writeUInt32BE(itemBytes, tokenStart + 1);
  at += aad.write(ref.itemId, at, 'utf8');
  at = aad.writeUInt32BE(userBytes, at);
  aad.write(ref.userId, at, 'utf8');
  return { dek: aad, token: aad.subarray(tokenStart) };
}
