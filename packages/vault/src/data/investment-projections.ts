import type { Holding, InvestmentAccount, InvestmentTransaction, Security } from 'plaid';
import type { HoldingsView, InvestmentTransactionsView, SecurityView } from '../types/data.js';
import type { InvestmentTransactionsPage } from '../plaid/types.js';
import { toAccountView } from './projections.js';

// Allow-list projections (see projections.ts): every field is named, nothing is spread.

function toSecurityView(s: Security): SecurityView {
  return {
    securityId: s.security_id,
    name: s.name ?? null,
    tickerSymbol: s.ticker_symbol ?? null,
    type: s.type ?? null,
    subtype: s.subtype ?? null,
    isin: s.isin ?? null,
    cusip: s.cusip ?? null,
    isCashEquivalent: s.is_cash_equivalent ?? null,
    closePrice: s.close_price ?? null,
    closePriceAsOf: s.close_price_as_of ?? null,
    isoCurrencyCode: s.iso_currency_code ?? null,
  };
}

function toHoldingView(h: Holding) {
  return {
    accountId: h.account_id,
    securityId: h.security_id,
    quantity: h.quantity,
    institutionPrice: h.institution_price,
    institutionPriceAsOf: h.institution_price_as_of ?? null,
    institutionValue: h.institution_value,
    costBasis: h.cost_basis ?? null,
    isoCurrencyCode: h.iso_currency_code ?? null,
  };
}

function toInvestmentTransactionView(t: InvestmentTransaction) {
  return {
    investmentTransactionId: t.investment_transaction_id,
    accountId: t.account_id,
    securityId: t.security_id ?? null,
    date: t.date,
    name: t.name,
    quantity: t.quantity,
    amount: t.amount,
    price: t.price,
    fees: t.fees ?? null,
    type: String(t.type),
    subtype: String(t.subtype),
    isoCurrencyCode: t.iso_currency_code ?? null,
  };
}

export function toHoldingsView(data: { accounts: InvestmentAccount[]; holdings: Holding[]; securities: Security[] }): HoldingsView {
  return {
    accounts: data.accounts.map(toAccountView),
    holdings: data.holdings.map(toHoldingView),
    securities: data.securities.map(toSecurityView),
  };
}

export function toInvestmentTransactionsView(page: InvestmentTransactionsPage): InvestmentTransactionsView {
  return {
    accounts: page.accounts.map(toAccountView),
    investmentTransactions: page.transactions.map(toInvestmentTransactionView),
    securities: page.securities.map(toSecurityView),
    total: page.total,
  };
}
