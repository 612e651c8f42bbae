import 'server-only';
import type { Sandbox } from 'plaid-sandbox';

/**
 * What the user does at the bank during Link update mode, for the offline
 * emulator (which has no Link UI): finish signing in again. The emulator then
 * sends the Item's LOGIN_REPAIRED webhook, which the vault verifies and acts on.
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
