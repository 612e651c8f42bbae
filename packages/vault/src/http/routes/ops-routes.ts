import { Hono } from 'hono';
import { AuthRequiredError, MetricsDisabledError } from '../../errors.js';
import type { VaultMetrics } from '../../metrics/vault-metrics.js';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { errorResponse } from '../error-response.js';
import { bearerToken, timingSafeStringEqual } from '../timing-safe-equal.js';

/**
 * Operations: `/healthz` (no session: load balancers call it; it reports
 * states, never addresses or secrets) and `/metrics` (bearer token, or 404
 * when no token is configured).
 */
export function opsRoutes(deps: RouteDeps, metrics: { token: string; collector: VaultMetrics } | null): Hono<AppEnv> {
  const { vault, logger } = deps;
  const app = new Hono<AppEnv>();

  app.get('/healthz', async (c) => {
    try {
      const h = await vault.health();
      return c.json({ ok: h.ok, database: h.database, redis: h.redis, plaid: h.plaid }, h.ok ? 200 : 503);
    } catch (err) {
      // A health check that throws is itself a failed check, not a 500.
      logger.warn({ requestId: c.get('requestId'), code: (err as { code?: unknown }).code }, 'health check failed');
      return c.json({ ok: false }, 503);
    }
  });

  app.get('/metrics', async (c) => {
    if (!metrics) throw new MetricsDisabledError();
    const token = bearerToken(c.req.header('authorization'));
    if (token === null || !timingSafeStringEqual(token, metrics.token)) {
      const res = errorResponse(new AuthRequiredError(), c.get('requestId'), logger);
      res.headers.set('www-authenticate', 'Bearer');
      return res;
    }
    const registry = metrics.collector.registry;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });

  return app;
}
