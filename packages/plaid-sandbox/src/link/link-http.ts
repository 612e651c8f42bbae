import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId } from '../data/ids.js';
import { apiErrors, SandboxApiError } from '../http/plaid-error.js';
import { parseBody, readRaw } from '../http/read-body.js';
import { sendJson } from '../http/send-json.js';
import type { SandboxContext } from '../routes/route.js';
import { isLinkAsset, sendLinkAsset } from './link-assets.js';
import { createLinkSessions } from './link-session.js';

/** Paths this handler owns: Plaid's CDN paths for Link, and the Link UI's own calls. */
export const isLinkUiPath = (path: string): boolean => path.startsWith('/link/v2/') || path.startsWith('/link/__internal/');

/**
 * The offline Link: `GET /link/v2/stable/*` serves the drop-in script and the
 * page it opens in an iframe; `POST /link/__internal/session` and `.../submit`
 * are that page's calls. These are not Plaid API endpoints: they need no client
 * credentials, only a live link token (as Plaid's Link does), and answer in
 * Plaid's error shape with a `request_id`.
 *
 * @example
 * const link = createLinkHandler(ctx, persist);
 * if (isLinkUiPath(path)) return link(req, res, path);
 */
export function createLinkHandler(ctx: SandboxContext, afterChange: () => void) {
  const sessions = createLinkSessions(ctx);
  const calls: Record<string, (body: Record<string, unknown>) => object> = {
    '/link/__internal/session': (body) => sessions.start(body),
    '/link/__internal/submit': (body) => sessions.submit(body),
  };
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const requestId = newRequestId();
    try {
      if (req.method === 'GET' && isLinkAsset(path)) {
        req.resume();
        return sendLinkAsset(res, path);
      }
      const call = req.method === 'POST' && Object.hasOwn(calls, path) ? calls[path] : undefined;
      if (!call) {
        req.resume();
        throw apiErrors.notFound();
      }
      // JSON only, the header included: a cross-origin page cannot send that without a CORS
      // preflight, which this server never grants. (The Plaid API accepts a missing header.)
      const body = parseBody(await readRaw(req), req.headers['content-type'] ?? 'none');
      let result: object;
      try {
        result = call(body);
      } finally {
        afterChange();
      }
      sendJson(res, 200, { ...result, request_id: requestId });
    } catch (err) {
      if (!(err instanceof SandboxApiError)) throw err;
      sendJson(res, err.status, { ...err.toBody(), request_id: requestId });
    }
  };
}
