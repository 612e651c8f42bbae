import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * The name of an item in Redis: HMAC-SHA256(hmacKey, itemId), base64url, so
 * Redis never sees an item id. An HMAC costs a few µs, as much as the rest of
 * an L2 hit's overhead, so recent ones are remembered.
 *
 * @example
 * const hashOf = createItemHasher(hmacKey);
 * hashOf('item-1'); // 'q3Jx...'
 */
export function createItemHasher(hmacKey: KeyObject | Buffer, max = 10_000): (itemId: string) => string {
  const key = Buffer.isBuffer(hmacKey) ? createSecretKey(hmacKey) : hmacKey;
  const hashes = new LRUCache<string, string>({ max });
  return (itemId) => {
    let hash = hashes.get(itemId);
    if (hash === undefined) {
      hash = createHmac('sha256', key).update(itemId).digest('base64url');
      hashes.set(itemId, hash);
    }
    return hash;
  };
}
