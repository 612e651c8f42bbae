import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultConfig, Faults, FaultStatus } from '../faults/faults.js';
import { parseBody, readRaw } from '../http/read-body.js';
import { apiErrors, SandboxApiError } from '../http/plaid-error.js';
import { sendJson } from '../http/send-json.js';
import type { SandboxState } from '../types.js';

/**
 * `/__admin/*`, mounted only with `admin: true` / `--admin`. For driving a sandbox
 * in another process (e.g. an app under test):
 * - `POST /__admin/faults` (FaultConfig, merged), `POST /__admin/faults/clear`,
 *   `POST /__admin/faults/fail_next` `{ path, status, count? }`
 * - `GET /__admin/state` (counters and items), `POST /__admin/items/reset_login` `{ item_id }`
 * - `POST /__admin/items/repair_login` `{ item_id }`: a repair made outside the app
 *   (login works again, a signed LOGIN_REPAIRED webhook is sent)
 */
export function createAdminHandler(faults: Faults, state: SandboxState) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    try {
      const body = req.method === 'POST' ? parseBody(await readRaw(req), req.headers['content-type']) : (req.resume(), {});
      const key = `${req.method} ${path}`;
      switch (key) {
        case 'POST /__admin/faults':
          faults.set(body as FaultConfig);
          return sendJson(res, 200, { faults: faults.current() });
        case 'POST /__admin/faults/clear':
          faults.clear();
          return sendJson(res, 200, { faults: faults.current() });
        case 'POST /__admin/faults/fail_next':
          faults.failNext(String(body.path), Number(body.status) as FaultStatus, Number(body.count ?? 1));
          return sendJson(res, 200, { ok: true });
        case 'GET /__admin/state':
          return sendJson(res, 200, { counters: state.counters, items: state.items() });
        case 'POST /__admin/items/reset_login':
          await state.resetLogin(String(body.item_id));
          return sendJson(res, 200, { ok: true });
        case 'POST /__admin/items/repair_login':
          await state.repairLogin(String(body.item_id));
          return sendJson(res, 200, { ok: true });
        default:
          throw apiErrors.notFound();
      }
    } catch (err) {
      const apiError =
        err instanceof SandboxApiError ? err : apiErrors.invalidField('admin request', err instanceof Error ? err.message : 'is invalid');
      sendJson(res, apiError.status, apiError.toBody());
    }
  };
}
