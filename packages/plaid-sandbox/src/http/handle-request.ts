import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { newRequestId } from '../data/ids.js';
import type { FaultPlan } from '../faults/faults.js';
import { isLinkUiPath } from '../link/link-http.js';
import type { Route, SandboxContext } from '../routes/route.js';
import { checkCredentials } from './credentials.js';
import { checkFields } from './fields.js';
import { normalizePath } from './normalize-path.js';
import { apiErrors, SandboxApiError } from './plaid-error.js';
import { parseBody, readRaw } from './read-body.js';
import { sendJson } from './send-json.js';

/** What the request handler needs; all built by `startSandbox`. */
export interface RequestHandlerDeps {
  ctx: SandboxContext;
  routes: ReadonlyMap<string, Route>;
  faults: FaultPlan;
  credentials: { clientId: string; secret: string };
  counters: Map<string, number>;
  /** Handles `/__admin/*` when admin is on; absent means those paths are unknown routes. */
  admin?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  /** Handles the offline Link's files and calls (`/link/v2/*`, `/link/__internal/*`). */
  link: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  /** Called after every handled API call (persists state when it changed). */
  afterCall: () => void;
  onInternalError: (err: unknown) => void;
}

/**
 * The node:http listener. Order of checks follows Plaid: route, body, credentials,
 * (injected faults), fields, then the endpoint. Every answer carries a `request_id`.
 */
export function createRequestHandler(deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res).catch((err: unknown) => {
      deps.onInternalError(err);
      if (!res.headersSent) sendJson(res, 500, { ...apiErrors.internal().toBody(), request_id: newRequestId() });
    });
  };
}

async function handle(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  const path = normalizePath(req.url ?? '/');
  if (deps.admin && path.startsWith('/__admin/')) return deps.admin(req, res, path);
  if (isLinkUiPath(path)) return deps.link(req, res, path);
  try {
    const route = deps.routes.get(path);
    if (!route || req.method !== 'POST') {
      req.resume();
      throw apiErrors.notFound();
    }
    deps.counters.set(path, (deps.counters.get(path) ?? 0) + 1);
    const latency = deps.faults.latencyMs();
    if (latency > 0) await sleep(latency);
    const body = parseBody(await readRaw(req), req.headers['content-type']);
    if (!route.public) checkCredentials(req.headers, body, deps.credentials);
    const injected = deps.faults.takeError(path);
    if (injected) throw injected === 429 ? apiErrors.rateLimited(path) : apiErrors.internal();
    checkFields(body, route.allowed, route.required);
    let result: object;
    try {
      // First pulls that came due since the last request complete before it is answered.
      deps.ctx.pulls.tick();
      result = route.handle(body, deps.ctx);
    } finally {
      deps.afterCall();
    }
    // "Commit then drop": the change above is applied, the caller never hears about it.
    if (deps.faults.takeDrop(path)) {
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, { ...result, request_id: requestId });
  } catch (err) {
    const apiError = err instanceof SandboxApiError ? err : internal(deps, err);
    sendJson(res, apiError.status, { ...apiError.toBody(), request_id: requestId });
  }
}

function internal(deps: RequestHandlerDeps, err: unknown): SandboxApiError {
  deps.onInternalError(err);
  return apiErrors.internal();
}
