import { assertId } from '../../items/validate.js';
import type { AuditQuery } from '../../types.js';
import type { Command } from '../command.js';
import { parseCount, parseSince } from '../duration.js';
import { EXIT } from '../exit-codes.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'list audit events, or --verify the hash chain',
  help: `Usage: plaid-vault audit [--user ID] [--item ID] [--since T] [--limit N]
       plaid-vault audit --verify

Lists audit events newest first: sequence, time, actor, action, user, item,
purpose, outcome. Events never hold a token.

With --verify, walks the whole hash chain and reports the first broken link
(an edited, deleted or inserted row); exit code 1 when the chain is broken.

Options:
  --user ID    only events about this user
  --item ID    only events about this item
  --since T    only events at or after T: an ISO date-time, or a duration back from now (7d, 12h)
  --limit N    at most N events (default 100, max 1000)
  --verify     verify the hash chain instead of listing`,
  options: {
    user: { type: 'string' },
    item: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    verify: { type: 'boolean' },
  },
  async run({ values, out, runtime }) {
    const vault = await runtime.vault();
    if (values.verify) {
      const result = await vault.audit.verify();
      out.result(result, () =>
        result.ok
          ? `audit chain intact: ${result.checked} event(s) checked`
          : `audit chain BROKEN at seq ${result.firstBrokenSeq} (${result.reason}); ${result.checked} event(s) checked before it`,
      );
      return result.ok ? EXIT.ok : EXIT.failure;
    }
    const query: AuditQuery = { limit: parseCount(values.limit as string | undefined, 'limit', 100, 1000) };
    if (values.user !== undefined) {
      assertId(values.user, '--user');
      query.userId = values.user;
    }
    if (values.item !== undefined) {
      assertId(values.item, '--item');
      query.itemId = values.item;
    }
    if (values.since !== undefined) query.since = parseSince(values.since as string, new Date());
    const events = await vault.audit.list(query);
    out.result({ events }, () => [
      ...events.map(
        (e) =>
          `${e.seq}  ${e.at.toISOString()}  ${e.action}  ${e.outcome}  actor=${e.actor}${e.userId ? `  user=${e.userId}` : ''}${e.itemId ? `  item=${e.itemId}` : ''}${e.purpose ? `  purpose=${e.purpose}` : ''}`,
      ),
      `${events.length} event(s)`,
    ]);
    return EXIT.ok;
  },
};
