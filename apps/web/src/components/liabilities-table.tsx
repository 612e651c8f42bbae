import { day, money } from '@/format';
import type { LiabilityRow } from '@/server/investment-data';

/** Credit cards and loans: rate, balance and the next payment. */
export function LiabilitiesTable({ rows }: { rows: LiabilityRow[] }) {
  if (rows.length === 0) return <p className="empty">No credit cards or loans at this bank.</p>;
  return (
    <div className="table-wrap">
      <table id="liabilities">
        <caption className="sr-only">Credit cards and loans</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Rate
            </th>
            <th scope="col" className="num">
              Balance
            </th>
            <th scope="col" className="num">
              Next payment
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((l) => (
            <tr key={l.accountId}>
              <td>
                {l.account}
                <span className="muted"> · {l.kind}</span>
              </td>
              <td className="num">{l.rate === null ? '—' : `${l.rate}%`}</td>
              <td className="num">{money(l.balance, l.currency)}</td>
              <td className="num">
                {money(l.minimumPayment, l.currency)}
                {l.nextDueDate && <span className="muted nowrap"> due {day(l.nextDueDate)}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
