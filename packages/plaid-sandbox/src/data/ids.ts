import { createHash, randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function toAlphabet(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i % bytes.length]! % ALPHABET.length];
  return out;
}

/** A short alphanumeric `request_id`, shaped like Plaid's (15 characters). */
export function newRequestId(): string {
  return toAlphabet(randomBytes(15), 15);
}

/** A fresh opaque 37-character item id (Plaid's docs examples are this shape). */
export function newItemId(): string {
  return toAlphabet(randomBytes(37), 37);
}

/** A stable id derived from a seed (account and transaction ids are a function of their item). */
export function derivedId(...parts: readonly (string | number)[]): string {
  return toAlphabet(createHash('sha256').update(parts.join(':')).digest(), 37);
}

/** Tokens in Plaid's `[type]-sandbox-<uuid v4>` format. */
export function newToken(type: 'access' | 'public' | 'link' | 'processor' | 'user'): string {
  return `${type}-sandbox-${randomUUID()}`;
}

/** Short, stable tag for an id (used to bind a cursor to its item without revealing the id). */
export function shortTag(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 10);
}

/** A `/user/create` user id, shaped like Plaid's examples (`usr_` and 14 characters). */
export function newUserId(): string {
  return `usr_${toAlphabet(randomBytes(14), 14)}`;
}
