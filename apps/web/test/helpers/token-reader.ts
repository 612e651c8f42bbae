import Database from 'better-sqlite3';
import { createVault, type Vault } from 'plaid-vault';

/**
 * Reads, from the app's own database with the app's keys, every access token
 * the vault holds right now: the canary's needles. L1 is off so a rotation in
 * the server is seen at once.
 */
export async function openTokenReader(dbFile: string, keys: string) {
  const vault: Vault = await createVault({
    database: `sqlite:${dbFile}`,
    keys,
    cache: { l1: { max: 0 } },
    plaid: { env: 'emulator' },
    logLevel: 'silent',
  });
  const users = new Database(dbFile, { readonly: true, fileMustExist: true });
  users.pragma('busy_timeout = 5000');
  return {
    vault,
    userId(email: string): string {
      const row = users.prepare('select id from web_users where email = ?').get(email) as { id: string } | undefined;
      if (!row) throw new Error(`no user ${email}`);
      return row.id;
    },
    /** Every token this user's items hold, revealed (test only; they are canary needles). */
    async tokens(userId: string): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const item of await vault.items.list(userId)) {
        out.set(item.itemId, await vault.withToken({ userId, itemId: item.itemId, purpose: 'test.leak_canary' }, (t) => t.reveal()));
      }
      return out;
    },
    async close() {
      users.close();
      await vault.close();
    },
  };
}
