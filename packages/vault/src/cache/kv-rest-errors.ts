/**
 * What a KV REST call's failure becomes before anything else sees it.
 * `@upstash/redis` puts the whole command in its error messages ("…, command
 * was: ["EVALSHA","<sha>",2,"pv:app:{…}",…]"), HMAC keys and ciphertext
 * included, so the original error is dropped here: what is left is a code for
 * logs and metrics and, for a Redis error reply, its first word (NOSCRIPT,
 * WRONGTYPE, …), which is what the callers branch on.
 */

/** `kv_timeout`: the per-request deadline; `kv_network`: no answer; `kv_auth`: the token was refused; `kv_command`: Redis answered with an error; `kv_reply`: an answer that is not JSON. */
export type KvErrorCode = 'kv_timeout' | 'kv_network' | 'kv_auth' | 'kv_command' | 'kv_reply' | 'kv_error';

export class KvRestError extends Error {
  readonly code: KvErrorCode;

  constructor(code: KvErrorCode, message: string) {
    super(message);
    this.name = 'KvRestError';
    this.code = code;
  }
}

/** The error word of a Redis reply ("NOSCRIPT No matching script" → "NOSCRIPT"); "ERR" when there is none. */
export function replyWord(text: string): string {
  return /^([A-Z][A-Z_]*)\b/.exec(text)?.[1] ?? 'ERR';
}

/**
 * A safe stand-in for whatever the client threw.
 *
 * @example
 * try { await kv.get(key); } catch (err) { throw toKvError(err); } // never err.message
 */
export function toKvError(err: unknown): KvRestError {
  if (err instanceof KvRestError) return err;
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  // AbortSignal.timeout() rejects fetch (or the body read) with a TimeoutError.
  if (name === 'TimeoutError' || name === 'AbortError') return new KvRestError('kv_timeout', 'KV request timed out');
  // fetch() itself rejects with a TypeError when the connection fails (refused, reset, DNS, TLS).
  if (err instanceof TypeError) return new KvRestError('kv_network', 'KV unreachable');
  if (name === 'UpstashJSONParseError') return new KvRestError('kv_reply', 'KV answer is not JSON');
  if (name === 'UpstashError') {
    const word = replyWord((err as Error).message);
    return new KvRestError(word === 'WRONGPASS' ? 'kv_auth' : 'kv_command', word);
  }
  return new KvRestError('kv_error', 'KV request failed');
}
