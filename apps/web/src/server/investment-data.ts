import 'server-only';
import type { HoldingsView, InvestmentTransactionsView, LiabilitiesView } from 'plaid-vault';
import { messageFor } from '@/error-messages';
import { attempt, type Outcome } from './bank-data';

/*
 * Only what the item page renders for investments and liabilities: small
 * allow-listed rows, never a vault view spread into props.
 */

export interface HoldingRow {
  key: string;
  security: string;
  ticker: string | null;
  account: string;
  quantity: number;
  price: number;
  value: number;
  currency: string | null;
}

export interface InvestmentActivityRow {
  id: string;
  date: string;
  name: string;
  type: string;
  amount: number;
  currency: string | null;
}

export interface LiabilityRow {
  accountId: string;
  account: string;
  kind: 'Credit card' | 'Mortgage' | 'Student loan';
  /** Percent, e.g. 12.5; the card's purchase APR. */
  rate: number | null;
  balance: number | null;
  minimumPayment: number | null;
  nextDueDate: string | null;
  currency: string | null;
}

/** Recent investment activity shown on the item page. */
const RECENT = 10;

export function holdingRows(view: HoldingsView): HoldingRow[] {
  const securities = new Map(view.securities.map((s) => [s.securityId, s]));
  const accounts = new Map(view.accounts.map((a) => [a.accountId, a]));
  return view.holdings
    .map((h) => {
      const security = securities.get(h.securityId);
      const account = accounts.get(h.accountId);
      return {
        key: `${h.accountId}:${h.securityId}`,
        security: security?.name ?? security?.tickerSymbol ?? 'Unknown security',
        ticker: security?.tickerSymbol ?? null,
        account: account ? `${account.name}${account.mask ? ` ••${account.mask}` : ''}` : 'Account',
        quantity: h.quantity,
        price: h.institutionPrice,
        value: h.institutionValue,
        currency: h.isoCurrencyCode,
      };
    })
    .sort((a, b) => b.value - a.value);
}

export function activityRows(view: InvestmentTransactionsView): InvestmentActivityRow[] {
  return view.investmentTransactions.slice(0, RECENT).map((t) => ({
    id: t.investmentTransactionId,
    date: t.date,
    name: t.name,
    type: t.subtype || t.type,
    amount: t.amount,
    currency: t.isoCurrencyCode,
  }));
}

export function liabilityRows(view: LiabilitiesView): LiabilityRow[] {
  const accounts = new Map(view.accounts.map((a) => [a.accountId, a]));
  const label = (id: string | null) => {
    const a = id ? accounts.get(id) : undefined;
    return a ? `${a.name}${a.mask ? ` ••${a.mask}` : ''}` : 'Account';
  };
  const balance = (id: string | null) => (id ? (accounts.get(id)?.balances.current ?? null) : null);
  const currency = (id: string | null) => (id ? (accounts.get(id)?.balances.isoCurrencyCode ?? null) : null);
  return [
    ...view.credit.map((c) => ({
      accountId: c.accountId ?? 'credit',
      account: label(c.accountId),
      kind: 'Credit card' as const,
      rate: c.aprs.find((a) => a.aprType === 'purchase_apr')?.aprPercentage ?? null,
      balance: balance(c.accountId),
      minimumPayment: c.minimumPaymentAmount,
      nextDueDate: c.nextPaymentDueDate,
      currency: currency(c.accountId),
    })),
    ...view.mortgage.map((m) => ({
      accountId: m.accountId,
      account: label(m.accountId),
      kind: 'Mortgage' as const,
      rate: m.interestRate.percentage,
      balance: balance(m.accountId),
      minimumPayment: m.nextMonthlyPayment,
      nextDueDate: m.nextPaymentDueDate,
      currency: currency(m.accountId),
    })),
    ...view.student.map((s) => ({
      accountId: s.accountId ?? 'student',
      account: label(s.accountId),
      kind: 'Student loan' as const,
      rate: s.interestRatePercentage,
      balance: balance(s.accountId),
      minimumPayment: s.minimumPaymentAmount,
      nextDueDate: s.nextPaymentDueDate,
      currency: currency(s.accountId),
    })),
  ];
}

/**
 * A read for a product the vault may not be configured for: null when it is not
 * (ERR_PRODUCT_NOT_ENABLED, refused before any Plaid call), so the page leaves the
 * section out; otherwise the outcome, failures included.
 */
export async function optionalRead<T>(fn: () => Promise<T>): Promise<Outcome<T> | null> {
  const outcome = await attempt(fn);
  return !outcome.ok && outcome.code === 'ERR_PRODUCT_NOT_ENABLED' ? null : outcome;
}

/**
 * Why a configured section has no data. Plaid answers ADDITIONAL_CONSENT_REQUIRED
 * (ERR_PLAID_INVALID_INPUT) for an item linked before the product was configured.
 */
export function unavailableMessage(code: string, what: string): string {
  if (code === 'ERR_PLAID_INVALID_INPUT') return `This connection was made without access to ${what}. Connect the bank again to add it.`;
  return messageFor(code);
}
