import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { ConfigInvalidError, RouteNotFoundError } from '../errors.js';
import { createVaultMetrics, type VaultMetrics } from '../metrics/vault-metrics.js';
import type { Logger } from '../types/logger.js';
import type { Vault } from '../types/vault.js';
import type { AppEnv, GetUserId, RouteDeps } from './app-env.js';
import { errorResponse } from './error-response.js';
import { originGuard } from './origin-guard.js';
import { requestContext } from './request-context.js';
import { auditRoutes } from './routes/audit-routes.js';
import { itemRoutes } from './routes/item-routes.js';
import { linkRoutes } from './routes/link-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { WEBHOOK_PATH, webhookRoutes } from './routes/webhook-routes.js';
import { createStderrLogger } from '../logging/stderr-logger.js';

export interface HttpAppOptions {
  vault: Vault;
  /** The signed-in user for a request, from the host's own session; null = signed out (401). */
  getUserId: GetUserId;
  /** Where the app is mounted, e.g. `/api` under a Next.js catch-all route. */
  basePath?: string;
  /**
   * Origins besides the request URL's own that may POST/DELETE (and get CORS),
   * e.g. `https://app.example.com`. Behind a TLS-terminating proxy the URL the
   * server sees may differ from the one the browser used: list the public origin.
   */
  allowedOrigins?: string[];
  /** Largest accepted request body; default 16 KiB. */
  maxBodyBytes?: number;
  /**
   * `/metrics`: a bearer token (at least 16 characters) to enable it, and
   * optionally the collector the vault records into; `false`/absent = 404.
   */
  metrics?: { token: string; collector?: VaultMetrics } | false;
  /** Where 5xx errors are logged with their request id; default: JSON lines on stderr. */
  logger?: Logger;
  /** Register `POST /link/sandbox` (emulator and Plaid sandbox only). */
  sandboxLinkEnabled?: boolean;
}

const DEFAULT_MAX_BODY = 16 * 1024;

/**
 * The vault's HTTP API as one Hono app of Web-standard handlers.
 *
 * @example
 * // Next.js: app/api/[...route]/route.ts (runtime = 'nodejs')
 * const app = createHttpApp({ vault, getUserId: (req) => sessionUser(req), basePath: '/api' });
 * export const GET = (req: Request) => app.fetch(req);
 * export const POST = GET, DELETE = GET;
 */
export function createHttpApp(opts: HttpAppOptions): Hono<AppEnv> {
  const deps: RouteDeps = {
    vault: opts.vault,
    getUserId: opts.getUserId,
    logger: opts.logger ?? createStderrLogger({ format: 'json' }),
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
  };
  const metrics = resolveMetrics(opts);
  const allowedOrigins = checkOrigins(opts.allowedOrigins ?? []);
  if (!Number.isInteger(deps.maxBodyBytes) || deps.maxBodyBytes < 1) {
    throw new ConfigInvalidError('maxBodyBytes must be a positive integer.');
  }

  const base = checkBasePath(opts.basePath ?? '');
  const app = base ? new Hono<AppEnv>().basePath(base) : new Hono<AppEnv>();
  app.use('*', requestContext());
  // Browsers on an allowed origin need CORS to send JSON and read answers; same-origin hosts need nothing.
  if (allowedOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: allowedOrigins,
        credentials: true,
        allowMethods: ['GET', 'POST', 'DELETE'],
        allowHeaders: ['content-type'],
        maxAge: 600,
      }),
    );
  }
  app.use(
    '*',
    originGuard(allowedOrigins, (path) => path === base + WEBHOOK_PATH),
  );

  app.route('/', linkRoutes(deps, { sandboxLinkEnabled: opts.sandboxLinkEnabled === true }));
  app.route('/', itemRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', opsRoutes(deps, metrics));

  app.notFound((c) => errorResponse(new RouteNotFoundError(), c.get('requestId'), deps.logger));
  app.onError((err, c) => errorResponse(err, c.get('requestId'), deps.logger));
  return app;
}

function resolveMetrics(opts: HttpAppOptions): { token: string; collector: VaultMetrics } | null {
  if (!opts.metrics) return null;
  const { token } = opts.metrics;
  // A guessable scrape token is worse than none: refuse to start.
  if (typeof token !== 'string' || token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigInvalidError('metrics.token must be at least 16 printable characters.');
  }
  const collector = opts.metrics.collector ?? createVaultMetrics();
  const vault = opts.vault;
  collector.observeStats(() => vault.stats());
  return { token, collector };
}

function checkBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed !== '' && !/^\/[A-Za-z0-9._~/-]*$/.test(trimmed)) throw new ConfigInvalidError('basePath must be a URL path such as /api.');
  return trimmed;
}

/** Normalised (`https://a.example/` -> `https://a.example`) so they compare equal to an `Origin` header. */
function checkOrigins(origins: string[]): string[] {
  return origins.map((o) => {
    const origin = URL.canParse(o) ? new URL(o).origin : 'null';
    if (origin === 'null' || !/^https?:/.test(origin)) throw new ConfigInvalidError('allowedOrigins must be absolute http(s) origins.');
    return origin;
  });
}
