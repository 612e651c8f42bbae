/**
 * `plaid-vault/testing`: a ready vault for your own tests, wired to an
 * in-process plaid-sandbox and an in-memory SQLite store. Not for production.
 *
 * @example
 * const t = await createTestVault();
 * const { itemId } = await t.vault.link.sandboxLink({ userId: 'u1' });
 * const accounts = await t.vault.data.accounts({ userId: 'u1', itemId });
 * await t.close();
 */
import { randomBytes } from 'node:crypto';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { createVault, type CreateVaultOptions } from '../vault.js';
import { silentLogger } from '../types/logger.js';
import type { Vault } from '../types/vault.js';

export interface TestVault {
  vault: Vault;
  sandbox: Sandbox;
  /** The VAULT_KEYS spec the vault uses (to open a second instance on the same data). */
  keys: string;
  close(): Promise<void>;
}

/** A fresh keyring spec with one random 32-byte key. */
export function generateTestKeys(kid = 'test'): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

/** A Plaid-shaped sandbox access token (random; accepted by input validation, unknown to any Plaid). */
export function fakeAccessToken(): string {
  const h = randomBytes(16).toString('hex');
  return `access-sandbox-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function createTestVault(options: CreateVaultOptions = {}): Promise<TestVault> {
  const sandbox = await startSandbox({ port: 0 });
  const keys = options.keys ?? generateTestKeys();
  try {
    const vault = await createVault({
      database: 'sqlite::memory:',
      redis: null,
      logger: silentLogger,
      ...options,
      keys,
      plaid: { env: 'emulator', baseUrl: sandbox.url, clientId: sandbox.clientId, secret: sandbox.secret, ...options.plaid },
    });
    return {
      vault,
      sandbox,
      keys,
      async close() {
        await vault.close();
        await sandbox.close();
      },
    };
  } catch (err) {
    await sandbox.close();
    throw err;
  }
}
