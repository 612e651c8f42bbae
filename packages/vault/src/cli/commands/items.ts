import { InputInvalidError } from '../../errors.js';
import { assertId } from '../../items/validate.js';
import { ITEM_STATUSES, type ItemStatus } from '../../types/items.js';
import type { Command } from '../command.js';
import { parseCount } from '../duration.js';
import { EXIT } from '../exit-codes.js';

export const itemsCommand: Command = {
  name: 'items',
  summary: 'items list: item ids, users, institutions and status (never a token)',
  help: `Usage: plaid-vault items list [--user ID] [--status S] [--limit N] [--after ITEM_ID]

Lists stored items in item id order: item id, user id, institution, status,
products, kid, created and last rotated. Never a token.

Options:
  --user ID        only this user's items
  --status S       only items in this status (${ITEM_STATUSES.join(', ')})
  --limit N        at most N items (default 100, max 5000)
  --after ITEM_ID  start after this item id (the "next" value of the previous page)`,
  options: { user: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, out, runtime }) {
    if (positionals[0] !== 'list') throw new InputInvalidError('The items command has one subcommand: items list.');
    const status = values.status as string | undefined;
    if (status !== undefined && !ITEM_STATUSES.includes(status as ItemStatus)) {
      throw new InputInvalidError(`--status takes one of ${ITEM_STATUSES.join(', ')}.`);
    }
    const userId = values.user as string | undefined;
    if (userId !== undefined) assertId(userId, '--user');
    const after = values.after as string | undefined;
    if (after !== undefined) assertId(after, '--after');
    const limit = parseCount(values.limit as string | undefined, 'limit', 100, 5000);

    const rows = await (
      await runtime.store()
    ).listItems({
      limit: limit + 1,
      ...(userId !== undefined && { userId }),
      ...(status !== undefined && { status: status as ItemStatus }),
      ...(after !== undefined && { afterItemId: after }),
    });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? (page[page.length - 1]?.itemId ?? null) : null;
    // An allow-list projection: a new column on the row never reaches the output by accident.
    const items = page.map((r) => ({
      itemId: r.itemId,
      userId: r.userId,
      institutionId: r.institutionId,
      institutionName: r.institutionName,
      status: r.status,
      products: r.products,
      kid: r.kid,
      createdAt: r.createdAt.toISOString(),
      rotatedAt: r.rotatedAt?.toISOString() ?? null,
    }));
    out.result({ items, next }, () => [
      ...items.map(
        (i) =>
          `${i.itemId}  user=${i.userId}  ${i.status}  ${i.institutionName ?? i.institutionId ?? '-'}  kid=${i.kid}  rotated=${i.rotatedAt ?? 'never'}`,
      ),
      `${items.length} item(s)${next ? `; more: --after ${next}` : ''}`,
    ]);
    return EXIT.ok;
  },
};
