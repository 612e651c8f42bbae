import { day, money } from '@/format';
import type { HoldingRow, InvestmentActivityRow } from '@/server/investment-data';
import { AmountCell } from './amount-cell';

const quantity = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** Holdings of an item's investment accounts, largest first. */
export function HoldingsTable({ rows }: { rows: HoldingRow[] }) {
  if (rows.length === 0) return <p className="empty">No holdings at this bank.</p>;
  return (
    <div className="table-wrap">
      <table id="holdings">
        <caption className="sr-only">Holdings, largest first</caption>
        <thead>
          <tr>
            <th scope="col">Security</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col" className="num">
              Value
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((h) => (
            <tr key={h.key}>
              <td>
                {h.security}
                <span className="muted">
                  {h.ticker && h.ticker !== h.security ? ` ${h.ticker}` : ''} · {h.account}
                </span>
              </td>
              <td className="num">{quantity.format(h.quantity)}</td>
              <td className="num">{money(h.price, h.currency)}</td>
              <td className="num">{money(h.value, h.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The latest investment transactions (buys, sells, dividends, fees). */
export function InvestmentActivity({ rows }: { rows: InvestmentActivityRow[] }) {
  if (rows.length === 0) return <p className="empty">No recent investment activity.</p>;
  return (
    <div className="table-wrap">
      <table id="investment-activity">
        <caption className="sr-only">Recent investment activity, newest first</caption>
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
            <tr key={t.id}>
              <td className="nowrap">{day(t.date)}</td>
              <td>
                {t.name}
                <span className="muted"> · {t.type}</span>
              </td>
              <AmountCell amount={t.amount} currency={t.currency} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
