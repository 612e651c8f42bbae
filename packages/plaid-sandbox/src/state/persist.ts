import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { StoredSigningKey } from '../webhooks/signer.js';
import type { StoreData } from './sandbox-store.js';

/** The persisted file: Items, tokens and the (throwaway) webhook signing keys. */
export interface PersistedState {
  version: 1;
  store: StoreData;
  webhookKeys: StoredSigningKey[];
}

/** Loads the file if it exists; a file of another version is refused rather than misread. */
export function loadState(path: string): PersistedState | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
  if (parsed.version !== 1) throw new Error(`plaid-sandbox: unsupported state file version in ${path}`);
  return parsed;
}

/** Writes atomically (temp file + rename) so a crash never leaves half a file. */
export function saveState(path: string, state: PersistedState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}
