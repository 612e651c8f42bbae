import { day } from '@/format';
import type { TransactionRow } from '@/server/transactions-store';
import { AmountCell } from './amount-cell';

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
              <AmountCell amount={t.amount} currency={t.currency} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
