import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';

// A caller-supplied id is kept only when it cannot smuggle anything into a log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * First middleware: gives every request an id (kept from `x-request-id` when
 * it looks like one, so a calling backend can correlate) and stamps the
 * headers every API response carries, error responses included.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    await next();
    // Hono has already turned a thrown error into c.res via onError.
    const headers = c.res.headers;
    headers.set('x-request-id', requestId);
    headers.set('cache-control', 'no-store');
    headers.set('x-content-type-options', 'nosniff');
  };
}
