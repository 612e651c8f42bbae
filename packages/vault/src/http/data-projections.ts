import type {
  CreditLiabilityView,
  HoldingsView,
  InvestmentTransactionsView,
  LiabilitiesView,
  MortgageLiabilityView,
  SecurityView,
  StudentLoanView,
} from '../types/data.js';
import { accountJson } from './projections.js';

// Allow-list projections for the investments and liabilities routes, as in
// projections.ts: every field is named, so a field added to a view never reaches
// a browser by accident.

function securityJson(s: SecurityView) {
  return {
    securityId: s.securityId,
    name: s.name,
    tickerSymbol: s.tickerSymbol,
    type: s.type,
    subtype: s.subtype,
    isin: s.isin,
    cusip: s.cusip,
    isCashEquivalent: s.isCashEquivalent,
    closePrice: s.closePrice,
    closePriceAsOf: s.closePriceAsOf,
    isoCurrencyCode: s.isoCurrencyCode,
  };
}

export function holdingsJson(v: HoldingsView) {
  return {
    accounts: v.accounts.map(accountJson),
    holdings: v.holdings.map((h) => ({
      accountId: h.accountId,
      securityId: h.securityId,
      quantity: h.quantity,
      institutionPrice: h.institutionPrice,
      institutionPriceAsOf: h.institutionPriceAsOf,
      institutionValue: h.institutionValue,
      costBasis: h.costBasis,
      isoCurrencyCode: h.isoCurrencyCode,
    })),
    securities: v.securities.map(securityJson),
  };
}

export function investmentTransactionsJson(v: InvestmentTransactionsView) {
  return {
    accounts: v.accounts.map(accountJson),
    investmentTransactions: v.investmentTransactions.map((t) => ({
      investmentTransactionId: t.investmentTransactionId,
      accountId: t.accountId,
      securityId: t.securityId,
      date: t.date,
      name: t.name,
      quantity: t.quantity,
      amount: t.amount,
      price: t.price,
      fees: t.fees,
      type: t.type,
      subtype: t.subtype,
      isoCurrencyCode: t.isoCurrencyCode,
    })),
    securities: v.securities.map(securityJson),
    total: v.total,
  };
}

function creditJson(c: CreditLiabilityView) {
  return {
    accountId: c.accountId,
    aprs: c.aprs.map((a) => ({
      aprPercentage: a.aprPercentage,
      aprType: a.aprType,
      balanceSubjectToApr: a.balanceSubjectToApr,
      interestChargeAmount: a.interestChargeAmount,
    })),
    isOverdue: c.isOverdue,
    lastPaymentAmount: c.lastPaymentAmount,
    lastPaymentDate: c.lastPaymentDate,
    lastStatementIssueDate: c.lastStatementIssueDate,
    lastStatementBalance: c.lastStatementBalance,
    minimumPaymentAmount: c.minimumPaymentAmount,
    nextPaymentDueDate: c.nextPaymentDueDate,
  };
}

function mortgageJson(m: MortgageLiabilityView) {
  return {
    accountId: m.accountId,
    interestRate: { percentage: m.interestRate.percentage, type: m.interestRate.type },
    loanTerm: m.loanTerm,
    loanTypeDescription: m.loanTypeDescription,
    maturityDate: m.maturityDate,
    originationDate: m.originationDate,
    originationPrincipalAmount: m.originationPrincipalAmount,
    nextMonthlyPayment: m.nextMonthlyPayment,
    nextPaymentDueDate: m.nextPaymentDueDate,
    lastPaymentAmount: m.lastPaymentAmount,
    lastPaymentDate: m.lastPaymentDate,
    pastDueAmount: m.pastDueAmount,
    escrowBalance: m.escrowBalance,
    hasPmi: m.hasPmi,
    hasPrepaymentPenalty: m.hasPrepaymentPenalty,
    ytdInterestPaid: m.ytdInterestPaid,
    ytdPrincipalPaid: m.ytdPrincipalPaid,
  };
}

function studentJson(s: StudentLoanView) {
  return {
    accountId: s.accountId,
    loanName: s.loanName,
    interestRatePercentage: s.interestRatePercentage,
    isOverdue: s.isOverdue,
    loanStatus: { type: s.loanStatus.type, endDate: s.loanStatus.endDate },
    repaymentPlan: { type: s.repaymentPlan.type, description: s.repaymentPlan.description },
    expectedPayoffDate: s.expectedPayoffDate,
    originationDate: s.originationDate,
    originationPrincipalAmount: s.originationPrincipalAmount,
    outstandingInterestAmount: s.outstandingInterestAmount,
    minimumPaymentAmount: s.minimumPaymentAmount,
    nextPaymentDueDate: s.nextPaymentDueDate,
    lastPaymentAmount: s.lastPaymentAmount,
    lastPaymentDate: s.lastPaymentDate,
    lastStatementBalance: s.lastStatementBalance,
    lastStatementIssueDate: s.lastStatementIssueDate,
    ytdInterestPaid: s.ytdInterestPaid,
    ytdPrincipalPaid: s.ytdPrincipalPaid,
  };
}

export function liabilitiesJson(v: LiabilitiesView) {
  return {
    accounts: v.accounts.map(accountJson),
    credit: v.credit.map(creditJson),
    mortgage: v.mortgage.map(mortgageJson),
    student: v.student.map(studentJson),
  };
}
