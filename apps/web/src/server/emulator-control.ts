import 'server-only';
import type { Sandbox } from 'plaid-sandbox';

/**
 * The fallback when the browser has no Link to load (the embedded emulator
 * without a known port): the user's sign-in at the bank, done by the server.
 * The emulator then sends the Item's LOGIN_REPAIRED webhook, which the vault
 * verifies and acts on. With Link, update mode happens in the emulator's Link.
 */
export interface EmulatorControl {
  repairLogin(itemId: string): Promise<void>;
}

export function createEmulatorControl(sandbox: Sandbox | null, adminBaseUrl: string | null): EmulatorControl {
  return {
    async repairLogin(itemId) {
      if (sandbox) {
        await sandbox.state.repairLogin(itemId);
        return;
      }
      if (!adminBaseUrl) throw new Error('No emulator configured.');
      // A sandbox in another process (started with --admin) exposes the same helper over HTTP.
      const res = await fetch(`${adminBaseUrl}/__admin/items/repair_login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item_id: itemId }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`The emulator refused repair_login (HTTP ${res.status}).`);
    },
  };
}
