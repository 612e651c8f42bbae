import { Hono } from 'hono';
import { AuthRequiredError, MetricsDisabledError } from '../../errors.js';
import type { VaultMetrics } from '../../metrics/vault-metrics.js';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { errorResponse } from '../error-response.js';
import { Secret } from '../../crypto/secret.js';
import { bearerToken } from '../bearer-token.js';

/**
 * Operations: `/healthz` (no session: load balancers call it; it reports
 * states, never addresses or secrets) and `/metrics` (bearer token, or 404
 * when no token is configured).
 */
export function opsRoutes(deps: RouteDeps, metrics: { token: string; collector: VaultMetrics } | null): Hono<AppEnv> {
  const { vault, logger } = deps;
  const app = new Hono<AppEnv>();
  const metricsToken = metrics && new Secret(metrics.token);

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
    if (!metrics || !metricsToken) throw new MetricsDisabledError();
    const token = bearerToken(c.req.header('authorization'));
    // Secret.equals compares digests in constant time: neither the token nor its length leaks.
    if (token === null || !new Secret(token).equals(metricsToken)) {
      const res = errorResponse(new AuthRequiredError(), c.get('requestId'), logger);
      res.headers.set('www-authenticate', 'Bearer');
      return res;
    }
    const registry = metrics.collector.registry;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });

  return app;
}
