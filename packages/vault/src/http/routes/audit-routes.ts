import { Hono } from 'hono';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { auditJson } from '../projections.js';
import { parseInput } from '../read-body.js';
import { requireUser } from '../require-user.js';
import { auditQuery } from '../schemas.js';

/** The signed-in user's own audit trail, newest first, paged with `?before=<seq>`. */
export function auditRoutes(deps: RouteDeps): Hono<AppEnv> {
  const { vault, getUserId, logger } = deps;
  const app = new Hono<AppEnv>();

  app.get('/audit', async (c) => {
    const userId = await requireUser(c.req.raw, getUserId, logger, c.get('requestId'));
    const q = parseInput(auditQuery, c.req.query(), 'query');
    const events = await vault.audit.list(
      q.before === undefined ? { userId, limit: q.limit } : { userId, limit: q.limit, beforeSeq: q.before },
    );
    // A full page may have more behind it; the client asks again with before=<last seq>.
    const last = events.at(-1);
    return c.json({ events: events.map(auditJson), nextBefore: events.length === q.limit && last ? last.seq : null });
  });

  return app;
}
