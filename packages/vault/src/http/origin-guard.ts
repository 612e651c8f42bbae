import type { MiddlewareHandler } from 'hono';
import { OriginForbiddenError } from '../errors.js';
import type { AppEnv } from './app-env.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent from another site
 * (CSRF): an `Origin` that is neither this server's origin nor allowed, or
 * `Sec-Fetch-Site: cross-site` from an origin that is not allowed. A request
 * with neither header (a server-to-server call) passes: browsers always send
 * `Origin` on a cross-origin POST or DELETE.
 *
 * `allowedOrigins` are normalised origins (`scheme://host[:port]`);
 * `exempt(path)` skips the check (Plaid's webhook comes from Plaid's servers).
 */
export function originGuard(allowedOrigins: readonly string[], exempt: (path: string) => boolean): MiddlewareHandler<AppEnv> {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || exempt(c.req.path)) return next();
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const isAllowed = origin !== undefined && allowed.has(origin);
    if (origin !== undefined && !isAllowed && origin !== new URL(c.req.url).origin) throw new OriginForbiddenError();
    if (site === 'cross-site' && !isAllowed) throw new OriginForbiddenError();
    return next();
  };
}
