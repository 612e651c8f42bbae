import Link from 'next/link';
import { AccountsTable } from '@/components/accounts-table';
import { ConnectBank } from '@/components/connect-bank';
import { StatusBadge } from '@/components/status-badge';
import { LOGIN_REQUIRED_CODES, messageFor } from '@/error-messages';
import { loadDashboard } from '@/server/bank-data';
import { requireUserId } from '@/server/current-user';
import { getServices } from '@/server/vault';

export default async function Dashboard() {
  const userId = await requireUserId();
  const [{ settings }, banks] = await Promise.all([getServices(), loadDashboard(userId)]);
  return (
    <>
      <h1>Your banks</h1>
      {banks.length === 0 && (
        <p className="empty card" id="no-banks">
          No bank connected yet. Connect one below to see its accounts and transactions.
        </p>
      )}
      <ul className="banks" aria-label="Connected banks">
        {banks.map(({ item, accounts }) => (
          <li key={item.itemId} className="card" data-item-id={item.itemId}>
            <div className="bank-head">
              <h2>
                <Link href={`/items/${encodeURIComponent(item.itemId)}`}>{item.institutionName}</Link>
              </h2>
              <StatusBadge status={item.status} />
            </div>
            {accounts.ok ? (
              <AccountsTable accounts={accounts.value} caption={`Accounts at ${item.institutionName}`} />
            ) : (
              <p className="error" role="status">
                {messageFor(accounts.code)}{' '}
                {LOGIN_REQUIRED_CODES.has(accounts.code) && <Link href={`/items/${encodeURIComponent(item.itemId)}`}>Reconnect</Link>}
              </p>
            )}
          </li>
        ))}
      </ul>
      <section className="card" aria-labelledby="connect-heading">
        <h2 id="connect-heading">Connect a bank</h2>
        <ConnectBank linkScriptUrl={settings.linkScriptUrl} sandbox={settings.sandboxTools} />
      </section>
    </>
  );
}
