// The usual advice for caching Plaid access tokens, written the way a reader of
// that advice would write it (the comparison point for bench/cache.js):
//
//   "Cache-aside in Redis: GET plaid_token:{user_id}; on a miss, SELECT the
//    encrypted token from the database, decrypt it, SET it with a 1 hour TTL."
//
// Kept deliberately plain: the token sits in Redis as plaintext, the key names
// the user, concurrent misses each go to the database, and a write elsewhere is
// not seen until the TTL runs out. Not used by the library; benchmarks only.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const TTL_SECONDS = 3600;

/** AES-256-GCM "iv:tag:ciphertext" in base64, as the typical snippet stores it. */
export function encryptToken(key, token) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64')).join(':');
}

export function decryptToken(key, stored) {
  const [iv, tag, ct] = stored.split(':').map((s) => Buffer.from(s, 'base64'));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return decipher.update(ct, undefined, 'utf8') + decipher.final('utf8');
}

/** `CREATE TABLE plaid_items (user_id text primary key, access_token text)` in the current schema. */
export async function createBaselineTable(pool) {
  await pool.query('CREATE TABLE IF NOT EXISTS plaid_items (user_id text PRIMARY KEY, access_token text NOT NULL)');
}

/**
 * getAccessToken(userId) as the recipe has it. `db` is a pg Pool, `redis` an
 * ioredis client, `key` the 32-byte encryption key.
 */
export function createBaselineRecipe({ db, redis, key }) {
  return async function getAccessToken(userId) {
    const cached = await redis.get(`plaid_token:${userId}`);
    if (cached) return cached;
    const { rows } = await db.query('SELECT access_token FROM plaid_items WHERE user_id = $1', [userId]);
    if (rows.length === 0) return null;
    const token = decryptToken(key, rows[0].access_token);
    await redis.set(`plaid_token:${userId}`, token, 'EX', TTL_SECONDS);
    return token;
  };
}
