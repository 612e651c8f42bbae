import { Hono, type Context } from 'hono';
import type { AppEnv, RouteDeps } from '../app-env.js';
import { holdingsJson, investmentTransactionsJson, liabilitiesJson } from '../data-projections.js';
import { accountJson, deltaJson, itemJson } from '../projections.js';
import { parseInput } from '../read-body.js';
import { requireUser } from '../require-user.js';
import { investmentTransactionsQuery, itemParams, transactionsQuery } from '../schemas.js';

/**
 * The signed-in user's items. Ownership is checked by the vault on every call
 * (another user's item is ERR_ITEM_NOT_FOUND, the same as a missing one); the
 * routes that change an item check it explicitly first as well, so that an
 * idempotent remove cannot answer 204 for someone else's item.
 */
export function itemRoutes(deps: RouteDeps): Hono<AppEnv> {
  const { vault, getUserId, logger } = deps;
  const app = new Hono<AppEnv>();

  const ref = async (c: Context<AppEnv>) => {
    const requestId = c.get('requestId');
    const userId = await requireUser(c.req.raw, getUserId, logger, requestId);
    const { id } = parseInput(itemParams, c.req.param(), 'path');
    return { userId, itemId: id, requestId };
  };

  app.get('/items', async (c) => {
    const userId = await requireUser(c.req.raw, getUserId, logger, c.get('requestId'));
    const items = await vault.items.list(userId);
    return c.json({ items: items.map(itemJson) });
  });

  app.delete('/items/:id', async (c) => {
    const { userId, itemId } = await ref(c);
    await vault.items.get({ userId, itemId });
    await vault.items.remove({ userId, itemId });
    return c.body(null, 204);
  });

  app.post('/items/:id/rotate', async (c) => {
    const { userId, itemId } = await ref(c);
    await vault.items.get({ userId, itemId });
    const result = await vault.items.rotate({ userId, itemId });
    return c.json({ itemId: result.itemId, outcome: result.outcome, tokenVersion: result.tokenVersion });
  });

  app.get('/items/:id/accounts', async (c) => {
    const accounts = await vault.data.accounts(await ref(c));
    return c.json({ accounts: accounts.map(accountJson) });
  });

  app.get('/items/:id/transactions', async (c) => {
    const r = await ref(c);
    const { cursor } = parseInput(transactionsQuery, c.req.query(), 'query');
    const delta = await vault.data.transactions(cursor === undefined ? r : { ...r, cursor });
    return c.json(deltaJson(delta));
  });

  // Investments and liabilities: ERR_PRODUCT_NOT_ENABLED (403) unless the vault is configured for them.
  app.get('/items/:id/holdings', async (c) => c.json(holdingsJson(await vault.data.holdings(await ref(c)))));

  app.get('/items/:id/investment-transactions', async (c) => {
    const r = await ref(c);
    const query = parseInput(investmentTransactionsQuery, c.req.query(), 'query');
    const page = await vault.data.investmentTransactions({
      ...r,
      ...(query.startDate !== undefined && { startDate: query.startDate }),
      ...(query.endDate !== undefined && { endDate: query.endDate }),
      ...(query.count !== undefined && { count: query.count }),
      ...(query.offset !== undefined && { offset: query.offset }),
    });
    return c.json(investmentTransactionsJson(page));
  });

  app.get('/items/:id/liabilities', async (c) => c.json(liabilitiesJson(await vault.data.liabilities(await ref(c)))));

  return app;
}
