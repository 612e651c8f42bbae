// Hand-built JWTs for forged webhooks: any header, any payload, signed with a
// forger's P-256 key, HMAC-SHA256 under a chosen secret, or not at all.
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';

export const b64url = (/** @type {string | Buffer} */ v) => Buffer.from(v).toString('base64url');
export const sha256Hex = (/** @type {string} */ body) => createHash('sha256').update(body).digest('hex');

/** A forger's own ES256 key (Plaid never served it). */
export const forgerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/**
 * @param {Record<string, unknown>} header
 * @param {Record<string, unknown>} payload
 * @param {{ es256?: import('node:crypto').KeyObject, hs256?: string | Buffer, signature?: string }} [how] default: the forger's ES256 key
 */
export function forgeJwt(header, payload, how = {}) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (how.signature !== undefined) return `${input}.${how.signature}`;
  if (how.hs256 !== undefined) return `${input}.${createHmac('sha256', how.hs256).update(input).digest('base64url')}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), { key: how.es256 ?? forgerKey, dsaEncoding: 'ieee-p1363' }))}`;
}

/** The payload Plaid signs for `body`. @param {string} body @param {number} [iat] */
export const claims = (body, iat = Math.floor(Date.now() / 1000)) => ({ iat, request_body_sha256: sha256Hex(body) });

// P-256 group order: s and n - s are both valid ECDSA signatures of the same message.
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The same JWT with its ES256 signature's `s` replaced by n - s (still verifies). @param {string} jwt */
export function highS(jwt) {
  const [h, p, s] = jwt.split('.');
  const sig = Buffer.from(s ?? '', 'base64url');
  const sValue = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((N - sValue).toString(16).padStart(64, '0'), 'hex');
  return `${h}.${p}.${b64url(Buffer.concat([sig.subarray(0, 32), flipped]))}`;
}
