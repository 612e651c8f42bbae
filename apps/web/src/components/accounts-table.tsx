import type { AccountCard } from '@/server/bank-data';
import { money } from '@/format';

/** Accounts and balances of one item. */
export function AccountsTable({ accounts, caption }: { accounts: AccountCard[]; caption: string }) {
  if (accounts.length === 0) return <p className="empty">No accounts at this bank.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Current
            </th>
            <th scope="col" className="num">
              Available
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.accountId}>
              <td>
                {a.name}
                <span className="muted">
                  {' '}
                  {a.subtype}
                  {a.mask ? ` ••${a.mask}` : ''}
                </span>
              </td>
              <td className="num">{money(a.current, a.currency)}</td>
              <td className="num">{money(a.available, a.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
