import { Redis } from 'ioredis';
import type { Keyring } from '../crypto/keyring.js';
import { createRecoveryJournal } from '../rotation/journal.js';

/** Resolves when Redis answers PING within 2 s; rejects otherwise. Never retries. */
export async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Rotation journal entries waiting in `dir`, unreadable ones included (a missing directory means none). */
export async function pendingRecoveryEntries(dir: string, keyring: Keyring): Promise<number> {
  return (await createRecoveryJournal(dir, keyring).list()).length;
}
