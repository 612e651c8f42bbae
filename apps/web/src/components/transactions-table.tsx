import { day, money } from '@/format';
import type { TransactionRow } from '@/server/transactions-store';

export function TransactionsTable({ rows }: { rows: TransactionRow[] }) {
  if (rows.length === 0) return <p className="empty">No transactions yet.</p>;
  return (
    <div className="table-wrap">
      <table id="transactions">
        <caption className="sr-only">Transactions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Description</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.transactionId}>
              <td className="nowrap">{day(t.date)}</td>
              <td>
                {t.merchantName ?? t.name}
                {t.pending && <span className="badge badge-warn">Pending</span>}
                {t.category && <span className="muted tx-category"> · {t.category}</span>}
              </td>
              {/* Plaid amounts are positive for money leaving the account. */}
              <td className={`num ${t.amount < 0 ? 'credit' : ''}`}>{money(-t.amount, t.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
