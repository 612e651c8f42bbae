/**
 * `plaid-vault/http`: the vault's HTTP API (Hono, Web-standard handlers),
 * a standalone server, and service-key auth for `plaid-vault serve`.
 */
export { createHttpApp, type HttpAppOptions } from './create-http-app.js';
export type { GetUserId } from './app-env.js';
export { startHttpServer, type HttpServerHandle } from './start-http-server.js';
export { createServiceAuth, generateApiKey, hashApiKey, type ServiceApiKey, type ServiceAuthOptions } from './service-auth.js';
export {
  createVaultMetrics,
  instrumentPlaidGateway,
  instrumentRotations,
  type VaultMetrics,
  type VaultMetricsRecorder,
} from '../metrics/index.js';
