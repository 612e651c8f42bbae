import { dateTime } from '@/format';
import { requireUserId } from '@/server/current-user';
import { getServices } from '@/server/vault';

// What each audit action means to the person reading their own trail.
const ACTIONS: Record<string, string> = {
  'token.decrypt': 'Access token used',
  'item.link': 'Bank connected',
  'item.put': 'Access token stored',
  'item.rotate': 'Access token rotated',
  'item.remove': 'Bank removed',
  'item.delete': 'Connection deleted',
  'item.status': 'Connection status changed',
  'item.relink_required': 'Connection lost',
  'webhook.received': 'Notice from Plaid',
};

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  const userId = await requireUserId();
  const { before } = await searchParams;
  const beforeSeq = before && /^\d{1,15}$/.test(before) ? Number(before) : undefined;
  const { vault } = await getServices();
  const [events, items] = await Promise.all([
    vault.audit.list(beforeSeq === undefined ? { userId, limit: 50 } : { userId, limit: 50, beforeSeq }),
    vault.items.list(userId),
  ]);
  const names = new Map(items.map((i) => [i.itemId, i.institutionName ?? i.institutionId ?? 'Bank']));
  const last = events.at(-1);

  return (
    <>
      <h1>Security</h1>
      <p>
        Every time the server decrypts one of your bank access tokens it records who did it, for which bank and why. The token itself is
        never shown, logged or sent to your browser.
      </p>
      {events.length === 0 ? (
        <p className="empty card">No activity yet.</p>
      ) : (
        <div className="table-wrap card">
          <table id="audit">
            <caption className="sr-only">Your audit trail, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Bank</th>
                <th scope="col">Why</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq}>
                  <td className="nowrap">{dateTime(e.at.toISOString())}</td>
                  <td>{ACTIONS[e.action] ?? e.action}</td>
                  <td>{e.itemId ? (names.get(e.itemId) ?? 'Removed bank') : '—'}</td>
                  <td>
                    <code>{e.purpose ?? '—'}</code>
                  </td>
                  <td>{e.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {last && events.length === 50 && (
        <p>
          <a href={`/security?before=${last.seq}`}>Older activity</a>
        </p>
      )}
    </>
  );
}
