import { Hono } from 'hono';
import { isVaultError } from '../../errors.js';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { readRawBody } from '../read-body.js';

export const WEBHOOK_PATH = '/webhooks/plaid';

/**
 * Plaid's webhooks. No user session and no Origin check (Plaid's servers
 * call it); the signature is the authentication, so the body goes to the
 * verifier as the exact bytes received: re-serialised JSON would not match
 * the signed `request_body_sha256`.
 */
export function webhookRoutes(deps: RouteDeps): Hono<AppEnv> {
  const { vault, maxBodyBytes } = deps;
  const app = new Hono<AppEnv>();

  app.post(WEBHOOK_PATH, async (c) => {
    const raw = await readRawBody(c.req.raw, maxBodyBytes);
    try {
      const result = await vault.webhooks.handle(raw, c.req.raw.headers);
      // Plaid needs only a 200; say no more to an unauthenticated caller.
      return c.json({ accepted: result.accepted });
    } catch (err) {
      // A replay is a verified JWT already acted on, posted again (a proxy
      // retrying, or someone resending a captured request). Answer 200 so a
      // sender stops (Plaid retries a non-200 for 24 h and counts it against
      // the endpoint); nothing is done twice.
      if (isVaultError(err, 'ERR_WEBHOOK_REPLAY')) return c.json({ accepted: false });
      throw err;
    }
  });

  return app;
}
