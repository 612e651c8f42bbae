import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compare two secrets in constant time. Both sides are hashed first so that
 * inputs of different lengths take the same path and the length of the
 * expected value does not leak through an early return.
 */
export function timingSafeStringEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}
