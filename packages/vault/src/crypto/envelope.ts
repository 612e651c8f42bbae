/**
 * Envelope encryption of one access token: a random per-item DEK seals the
 * token, the keyring's active KEK seals the DEK (AES-256-GCM both, random
 * 96-bit IVs). Both layers' AAD binds the envelope to its item and user, so a
 * ciphertext copied to another row fails to open. Layout: envelope-format.ts.
 *
 * Every failure to open is one DecryptFailedError with a fixed message and no
 * cause (OpenSSL text says which check failed); only an intact envelope whose
 * kid is not in the keyring is KeyUnknownError.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { DecryptFailedError, KeyUnknownError } from '../errors.js';
import { kekOf, type Keyring } from './keyring.js';
import { Secret } from './secret.js';
import {
  aadFor,
  DEK_BYTES,
  IV_BYTES,
  layoutFor,
  parseEnvelope,
  TAG_BYTES,
  VERSION,
  writeCheck,
  type EnvelopeLayout,
  type SealRef,
} from './envelope-format.js';

export type { SealRef };

const ALG = 'aes-256-gcm';

/**
 * Rekey needs one fresh IV per row, and a randomBytes call costs more than the
 * AES work it feeds; so IVs are handed out from a pool of CSPRNG bytes, each
 * byte used once, refilled when spent. Filled on first use, not at import.
 */
const IV_POOL_BYTES = IV_BYTES * 256;
let ivPool = Buffer.alloc(0);
let ivPoolAt = 0;

function freshIv(): Buffer {
  if (ivPoolAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivPoolAt = 0;
  }
  const iv = ivPool.subarray(ivPoolAt, ivPoolAt + IV_BYTES);
  ivPoolAt += IV_BYTES;
  return iv;
}

/**
 * Seal `plaintext` for the row `ref` under the keyring's active key.
 *
 * @example
 * const envelope = seal(keyring, { itemId, userId }, accessToken);
 * await store.insertItem({ itemId, userId, kid: keyring.activeKid, envelope, ... }, now);
 */
export function seal(keyring: Keyring, ref: SealRef, plaintext: string): Buffer {
  const kid = keyring.activeKid;
  const kek = kekOf(keyring, kid)!;
  // One call for the DEK and both IVs.
  const random = randomBytes(DEK_BYTES + 2 * IV_BYTES);
  const dek = random.subarray(0, DEK_BYTES);
  const tokenIv = random.subarray(DEK_BYTES + IV_BYTES);
  try {
    const { size, layout } = layoutFor(kid.length, Buffer.byteLength(plaintext, 'utf8'));
    const envelope = Buffer.allocUnsafe(size);
    envelope[0] = VERSION;
    envelope[1] = kid.length;
    envelope.write(kid, 2, 'latin1');
    tokenIv.copy(envelope, layout.tokenIv);
    const aad = aadFor(kid, ref);
    const token = createCipheriv(ALG, dek, tokenIv);
    token.setAAD(aad.token);
    token.update(plaintext, 'utf8').copy(envelope, layout.tokenCt);
    token.final();
    token.getAuthTag().copy(envelope, layout.tokenTag);
    wrapDek(envelope, layout.headerEnd, kek, dek, aad.dek, random.subarray(DEK_BYTES, DEK_BYTES + IV_BYTES));
    writeCheck(envelope);
    return envelope;
  } finally {
    random.fill(0);
  }
}

/**
 * Open an envelope for the row `ref`.
 *
 * @throws DecryptFailedError (ERR_CRYPTO_DECRYPT_FAILED) on any damage, wrong row or wrong key.
 * @throws KeyUnknownError (ERR_CRYPTO_KEY_UNKNOWN) when the envelope is intact but its kid is not in the keyring.
 * @example
 * const token = open(keyring, { itemId, userId }, row.envelope); // Secret
 */
export function open(keyring: Keyring, ref: SealRef, envelope: Buffer): Secret {
  const layout = parseEnvelope(envelope);
  const kek = kekOf(keyring, layout.kid);
  if (kek === undefined) throw new KeyUnknownError();
  const aad = aadFor(layout.kid, ref);
  const dek = unwrapDek(envelope, layout, kek, aad.dek);
  try {
    return new Secret(openToken(envelope, layout, dek, aad.token));
  } finally {
    dek.fill(0);
  }
}

/**
 * Re-seal only the DEK under the keyring's active key; the token IV,
 * ciphertext and tag are kept byte for byte and are not decrypted (rekey
 * never sees a token). The DEK layer is opened and authenticated, so a wrong
 * row or key fails as in `open`; damage to the token layer is caught by the
 * check bytes here, and by the token's own GCM tag at open time.
 *
 * @throws DecryptFailedError (ERR_CRYPTO_DECRYPT_FAILED) on a damaged envelope, wrong row or wrong key.
 * @throws KeyUnknownError (ERR_CRYPTO_KEY_UNKNOWN) when the envelope is intact but its kid is not in the keyring.
 * @example
 * const next = rewrap(keyring, { itemId, userId }, row.envelope);
 * await store.rewrapToken(itemId, row.tokenVersion, { kid: keyring.activeKid, envelope: next }, now);
 */
export function rewrap(keyring: Keyring, ref: SealRef, envelope: Buffer): Buffer {
  const layout = parseEnvelope(envelope);
  const oldKek = kekOf(keyring, layout.kid);
  if (oldKek === undefined) throw new KeyUnknownError();
  const kid = keyring.activeKid;
  const oldAad = aadFor(layout.kid, ref);
  const dek = unwrapDek(envelope, layout, oldKek, oldAad.dek);
  try {
    const next = layoutFor(kid.length, layout.tokenTag - layout.tokenCt);
    const out = Buffer.allocUnsafe(next.size);
    out[0] = VERSION;
    out[1] = kid.length;
    out.write(kid, 2, 'latin1');
    envelope.copy(out, next.layout.tokenIv, layout.tokenIv, layout.check);
    const aad = kid === layout.kid ? oldAad : aadFor(kid, ref);
    wrapDek(out, next.layout.headerEnd, kekOf(keyring, kid)!, dek, aad.dek, freshIv());
    writeCheck(out);
    return out;
  } finally {
    dek.fill(0);
  }
}

/**
 * The kid an envelope was sealed under (rekey scans, diagnostics). Parses and
 * checks the envelope; decrypts nothing.
 *
 * @throws DecryptFailedError when the envelope is malformed or damaged.
 */
export function envelopeKid(envelope: Buffer): string {
  return parseEnvelope(envelope).kid;
}

function wrapDek(out: Buffer, at: number, kek: KeyObject, dek: Buffer, aad: Buffer, iv: Buffer): void {
  iv.copy(out, at);
  const cipher = createCipheriv(ALG, kek, iv);
  cipher.setAAD(aad);
  cipher.update(dek).copy(out, at + IV_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(out, at + IV_BYTES + DEK_BYTES);
}

function unwrapDek(envelope: Buffer, layout: EnvelopeLayout, kek: KeyObject, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv(ALG, kek, envelope.subarray(layout.dekIv, layout.wrappedDek), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(envelope.subarray(layout.dekTag, layout.dekTag + TAG_BYTES));
    const dek = decipher.update(envelope.subarray(layout.wrappedDek, layout.dekTag));
    decipher.final();
    return dek;
  } catch {
    // Deliberately no cause: OpenSSL's text tells an attacker which check failed.
    throw new DecryptFailedError();
  }
}

function openToken(envelope: Buffer, layout: EnvelopeLayout, dek: Buffer, aad: Buffer): string {
  try {
    const decipher = createDecipheriv(ALG, dek, envelope.subarray(layout.tokenIv, layout.tokenCt), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(envelope.subarray(layout.tokenTag, layout.check));
    const plaintext = decipher.update(envelope.subarray(layout.tokenCt, layout.tokenTag), undefined, 'utf8');
    return plaintext + decipher.final('utf8');
  } catch {
    throw new DecryptFailedError();
  }
}
