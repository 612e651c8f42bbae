import { money } from '@/format';

/**
 * A Plaid transaction amount as a table cell. Plaid's amounts are positive for
 * money leaving the account, so the sign is flipped for display and money
 * coming in is marked as a credit.
 */
export function AmountCell({ amount, currency }: { amount: number; currency: string | null }) {
  return <td className={`num ${amount < 0 ? 'credit' : ''}`}>{money(-amount, currency)}</td>;
}
