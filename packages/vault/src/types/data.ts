/*
 * What the proxied reads return (`vault.data`): allow-listed projections of
 * Plaid's answers (data/projections.ts, data/investment-projections.ts,
 * data/liability-projections.ts). Fields Plaid adds later never appear;
 * account numbers, payment references and addresses are left out on purpose.
 */

/** An account and its balances (`vault.data.accounts`, `balances`; also part of the investment and liability views). */
export interface AccountView {
  accountId: string;
  name: string;
  officialName: string | null;
  mask: string | null;
  type: string;
  subtype: string | null;
  balances: { available: number | null; current: number | null; limit: number | null; isoCurrencyCode: string | null };
}

export interface TransactionView {
  transactionId: string;
  accountId: string;
  amount: number;
  isoCurrencyCode: string | null;
  date: string;
  name: string;
  merchantName: string | null;
  pending: boolean;
  pendingTransactionId: string | null;
  category: string | null;
}

export interface TransactionsDelta {
  added: TransactionView[];
  modified: TransactionView[];
  removed: { transactionId: string; accountId: string | null }[];
  /** The cursor after this delta (persisted on the item when the caller passed none). */
  nextCursor: string;
}

/** A security (stock, fund, option, bond, cash) that holdings and investment transactions refer to. */
export interface SecurityView {
  securityId: string;
  name: string | null;
  tickerSymbol: string | null;
  /** Plaid's type, e.g. `equity`, `mutual fund`, `etf`, `derivative`, `fixed income`, `cash`. */
  type: string | null;
  subtype: string | null;
  isin: string | null;
  cusip: string | null;
  isCashEquivalent: boolean | null;
  closePrice: number | null;
  /** `YYYY-MM-DD`, or null when Plaid does not say. */
  closePriceAsOf: string | null;
  isoCurrencyCode: string | null;
}

/** A position in one account. */
export interface HoldingView {
  accountId: string;
  securityId: string;
  quantity: number;
  institutionPrice: number;
  institutionPriceAsOf: string | null;
  institutionValue: number;
  costBasis: number | null;
  isoCurrencyCode: string | null;
}

/**
 * `vault.data.holdings`: the item's investment accounts, their holdings and the
 * securities those refer to.
 */
export interface HoldingsView {
  accounts: AccountView[];
  holdings: HoldingView[];
  securities: SecurityView[];
}

/** A buy, sell, dividend, fee or transfer in an investment account. */
export interface InvestmentTransactionView {
  investmentTransactionId: string;
  accountId: string;
  securityId: string | null;
  /** `YYYY-MM-DD`. */
  date: string;
  name: string;
  quantity: number;
  /** Positive: cash out of the account (Plaid's sign convention). */
  amount: number;
  price: number;
  fees: number | null;
  /** `buy`, `sell`, `cancel`, `cash`, `fee` or `transfer`. */
  type: string;
  subtype: string;
  isoCurrencyCode: string | null;
}

/**
 * `vault.data.investmentTransactions`: one page, newest first. `total` counts every
 * transaction in the date range; page on with `offset`.
 */
export interface InvestmentTransactionsView {
  accounts: AccountView[];
  investmentTransactions: InvestmentTransactionView[];
  securities: SecurityView[];
  total: number;
}

/** A credit card's terms and statement. */
export interface CreditLiabilityView {
  accountId: string | null;
  aprs: { aprPercentage: number; aprType: string; balanceSubjectToApr: number | null; interestChargeAmount: number | null }[];
  isOverdue: boolean | null;
  lastPaymentAmount: number | null;
  lastPaymentDate: string | null;
  lastStatementIssueDate: string | null;
  lastStatementBalance: number | null;
  minimumPaymentAmount: number | null;
  nextPaymentDueDate: string | null;
}

/** A mortgage's terms and payments (no account number, no property address). */
export interface MortgageLiabilityView {
  accountId: string;
  interestRate: { percentage: number | null; type: string | null };
  loanTerm: string | null;
  loanTypeDescription: string | null;
  maturityDate: string | null;
  originationDate: string | null;
  originationPrincipalAmount: number | null;
  nextMonthlyPayment: number | null;
  nextPaymentDueDate: string | null;
  lastPaymentAmount: number | null;
  lastPaymentDate: string | null;
  pastDueAmount: number | null;
  escrowBalance: number | null;
  hasPmi: boolean | null;
  hasPrepaymentPenalty: boolean | null;
  ytdInterestPaid: number | null;
  ytdPrincipalPaid: number | null;
}

/** A student loan's terms and payments (no account number or payment reference, no servicer address). */
export interface StudentLoanView {
  accountId: string | null;
  loanName: string | null;
  interestRatePercentage: number;
  isOverdue: boolean | null;
  loanStatus: { type: string | null; endDate: string | null };
  repaymentPlan: { type: string | null; description: string | null };
  expectedPayoffDate: string | null;
  originationDate: string | null;
  originationPrincipalAmount: number | null;
  outstandingInterestAmount: number | null;
  minimumPaymentAmount: number | null;
  nextPaymentDueDate: string | null;
  lastPaymentAmount: number | null;
  lastPaymentDate: string | null;
  lastStatementBalance: number | null;
  lastStatementIssueDate: string | null;
  ytdInterestPaid: number | null;
  ytdPrincipalPaid: number | null;
}

/** `vault.data.liabilities`: the item's credit and loan accounts and their terms; a kind it has none of is `[]`. */
export interface LiabilitiesView {
  accounts: AccountView[];
  credit: CreditLiabilityView[];
  mortgage: MortgageLiabilityView[];
  student: StudentLoanView[];
}

/** Which investment transactions to read (`vault.data.investmentTransactions`). */
export interface InvestmentTransactionsQuery {
  /** `YYYY-MM-DD`; default two years (730 days) before `endDate`, Plaid's limit. */
  startDate?: string;
  /** `YYYY-MM-DD`; default today (UTC). */
  endDate?: string;
  /** 1..500, default 100. */
  count?: number;
  /** Default 0. */
  offset?: number;
}
