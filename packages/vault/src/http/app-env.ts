import type { Logger } from '../types/logger.js';
import type { Vault } from '../types/vault.js';

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
  };
}

/** Resolves the signed-in user from the host app's own session; null = not signed in. */
export type GetUserId = (req: Request) => Promise<string | null> | string | null;

/** What every route module needs: built once by createHttpApp. */
export interface RouteDeps {
  readonly vault: Vault;
  readonly getUserId: GetUserId;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}
