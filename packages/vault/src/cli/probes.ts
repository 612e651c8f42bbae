import { readdir } from 'node:fs/promises';
import { Redis } from 'ioredis';

/** Resolves when Redis answers PING within 2 s; rejects otherwise. Never retries. */
export async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Journal entries waiting in `dir` (a missing directory means none). */
export async function pendingRecoveryEntries(dir: string): Promise<number> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => !n.startsWith('.') && !n.endsWith('.tmp')).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
