import { Hono } from 'hono';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { exchangeJson } from '../projections.js';
import { readJsonBody } from '../read-body.js';
import { requireUser } from '../require-user.js';
import { exchangeBody, linkTokenBody, sandboxLinkBody } from '../schemas.js';

/**
 * Plaid Link: a link token for the browser, the public-token exchange, and
 * (emulator/sandbox only) a one-step sandbox connect. The access token stays
 * inside the vault; responses carry item ids.
 */
export function linkRoutes(deps: RouteDeps, opts: { sandboxLinkEnabled: boolean }): Hono<AppEnv> {
  const { vault, getUserId, logger, maxBodyBytes } = deps;
  const app = new Hono<AppEnv>();

  app.post('/link/token', async (c) => {
    const userId = await requireUser(c.req.raw, getUserId, logger, c.get('requestId'));
    const body = await readJsonBody(c.req.raw, linkTokenBody, maxBodyBytes);
    const input = body.itemId === undefined ? { userId } : { userId, itemId: body.itemId };
    const result = await vault.link.createLinkToken(input);
    return c.json({ linkToken: result.linkToken, expiration: result.expiration.toISOString() });
  });

  app.post('/link/exchange', async (c) => {
    const userId = await requireUser(c.req.raw, getUserId, logger, c.get('requestId'));
    const body = await readJsonBody(c.req.raw, exchangeBody, maxBodyBytes);
    const result = await vault.link.exchange({ userId, publicToken: body.publicToken });
    return c.json(exchangeJson(result), 201);
  });

  // Not registered at all unless enabled: in production the route does not exist.
  if (opts.sandboxLinkEnabled) {
    app.post('/link/sandbox', async (c) => {
      const userId = await requireUser(c.req.raw, getUserId, logger, c.get('requestId'));
      const body = await readJsonBody(c.req.raw, sandboxLinkBody, maxBodyBytes);
      const result = await vault.link.sandboxLink({ userId, ...pick(body) });
      return c.json(exchangeJson(result), 201);
    });
  }

  return app;
}

function pick(body: { institutionId?: string | undefined; username?: string | undefined }): { institutionId?: string; username?: string } {
  const out: { institutionId?: string; username?: string } = {};
  if (body.institutionId !== undefined) out.institutionId = body.institutionId;
  if (body.username !== undefined) out.username = body.username;
  return out;
}
