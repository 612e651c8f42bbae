import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const AAD = Buffer.from('plaid-vault-web/session/v1');
const IV_LEN = 12;
const TAG_LEN = 16;
const ID_LEN = 32;

/** The cookie's name: `__Host-` pins it to this origin and path `/` when it is Secure. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-pv_session' : 'pv_session';
}

/** AES-256-GCM key for session cookies, derived from the app's session secret. */
export function deriveSessionKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'plaid-vault-web', 'session-cookie-v1', 32));
}

/**
 * Seal a session id into a cookie value: base64url(iv | ciphertext | tag). The
 * cookie carries only the random id; the session row (hashed id) says who it is.
 */
export function sealSessionId(key: Buffer, sessionId: Buffer): string {
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(sessionId), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The session id inside a cookie value, or undefined for anything forged, truncated or sealed under another key. */
export function openSessionCookie(key: Buffer, value: string | undefined): Buffer | undefined {
  if (!value || value.length > 256) return undefined;
  const raw = Buffer.from(value, 'base64url');
  if (raw.length !== IV_LEN + ID_LEN + TAG_LEN) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_LEN));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_LEN));
    return Buffer.concat([decipher.update(raw.subarray(IV_LEN, raw.length - TAG_LEN)), decipher.final()]);
  } catch {
    return undefined;
  }
}

export function newSessionId(): Buffer {
  return randomBytes(ID_LEN);
}

/** Read one cookie from a Cookie header without a parser dependency. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
