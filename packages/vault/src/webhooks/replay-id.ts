import { createHash } from 'node:crypto';

/** Order of the P-256 group: an ECDSA signature (r, s) also verifies as (r, n - s). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

/**
 * The identity of one signed webhook JWT, for the replay guard: SHA-256 over
 * the signing input (header and payload segments, exactly as signed) and the
 * decoded signature with `s` in its low form. Hashing the header string as
 * received would not do: WebCrypto accepts both `s` and `n - s`, and a
 * base64url decoder ignores the spare bits of the last character, so one
 * signed JWT has several spellings that all verify. Plaid signs each sending
 * anew (a fresh random `r`), so a re-sent identical body has another identity,
 * while every spelling of one captured JWT has the same one.
 *
 * Call it on a JWT whose ES256 signature has verified (64 bytes, r || s).
 *
 * @example
 * const id = replayIdOf(header); // 64 hex characters
 */
export function replayIdOf(jwt: string): string {
  const dot = jwt.lastIndexOf('.');
  const signature = Buffer.from(jwt.slice(dot + 1), 'base64url');
  if (signature.length !== 64) throw new RangeError('ES256 signature must be 64 bytes');
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  const lowS = s > HALF_ORDER ? P256_ORDER - s : s;
  return createHash('sha256')
    .update(jwt.slice(0, dot))
    .update('.')
    .update(signature.subarray(0, 32))
    .update(Buffer.from(lowS.toString(16).padStart(64, '0'), 'hex'))
    .digest('hex');
}
