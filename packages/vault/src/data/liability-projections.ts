import type { AccountBase, CreditCardLiability, LiabilitiesObject, MortgageLiability, StudentLoan } from 'plaid';
import type { CreditLiabilityView, LiabilitiesView, MortgageLiabilityView, StudentLoanView } from '../types/data.js';
import { toAccountView } from './projections.js';

// Allow-list projections (see projections.ts). Account numbers, payment reference
// numbers and property or servicer addresses are deliberately not copied.

function toCredit(c: CreditCardLiability): CreditLiabilityView {
  return {
    accountId: c.account_id ?? null,
    aprs: c.aprs.map((a) => ({
      aprPercentage: a.apr_percentage,
      aprType: String(a.apr_type),
      balanceSubjectToApr: a.balance_subject_to_apr ?? null,
      interestChargeAmount: a.interest_charge_amount ?? null,
    })),
    isOverdue: c.is_overdue ?? null,
    lastPaymentAmount: c.last_payment_amount ?? null,
    lastPaymentDate: c.last_payment_date ?? null,
    lastStatementIssueDate: c.last_statement_issue_date ?? null,
    lastStatementBalance: c.last_statement_balance ?? null,
    minimumPaymentAmount: c.minimum_payment_amount ?? null,
    nextPaymentDueDate: c.next_payment_due_date ?? null,
  };
}

function toMortgage(m: MortgageLiability): MortgageLiabilityView {
  return {
    accountId: m.account_id,
    interestRate: { percentage: m.interest_rate.percentage ?? null, type: m.interest_rate.type ?? null },
    loanTerm: m.loan_term ?? null,
    loanTypeDescription: m.loan_type_description ?? null,
    maturityDate: m.maturity_date ?? null,
    originationDate: m.origination_date ?? null,
    originationPrincipalAmount: m.origination_principal_amount ?? null,
    nextMonthlyPayment: m.next_monthly_payment ?? null,
    nextPaymentDueDate: m.next_payment_due_date ?? null,
    lastPaymentAmount: m.last_payment_amount ?? null,
    lastPaymentDate: m.last_payment_date ?? null,
    pastDueAmount: m.past_due_amount ?? null,
    escrowBalance: m.escrow_balance ?? null,
    hasPmi: m.has_pmi ?? null,
    hasPrepaymentPenalty: m.has_prepayment_penalty ?? null,
    ytdInterestPaid: m.ytd_interest_paid ?? null,
    ytdPrincipalPaid: m.ytd_principal_paid ?? null,
  };
}

function toStudent(s: StudentLoan): StudentLoanView {
  return {
    accountId: s.account_id ?? null,
    loanName: s.loan_name ?? null,
    interestRatePercentage: s.interest_rate_percentage,
    isOverdue: s.is_overdue ?? null,
    loanStatus: { type: s.loan_status.type == null ? null : String(s.loan_status.type), endDate: s.loan_status.end_date ?? null },
    repaymentPlan: {
      type: s.repayment_plan.type == null ? null : String(s.repayment_plan.type),
      description: s.repayment_plan.description ?? null,
    },
    expectedPayoffDate: s.expected_payoff_date ?? null,
    originationDate: s.origination_date ?? null,
    originationPrincipalAmount: s.origination_principal_amount ?? null,
    outstandingInterestAmount: s.outstanding_interest_amount ?? null,
    minimumPaymentAmount: s.minimum_payment_amount ?? null,
    nextPaymentDueDate: s.next_payment_due_date ?? null,
    lastPaymentAmount: s.last_payment_amount ?? null,
    lastPaymentDate: s.last_payment_date ?? null,
    lastStatementBalance: s.last_statement_balance ?? null,
    lastStatementIssueDate: s.last_statement_issue_date ?? null,
    ytdInterestPaid: s.ytd_interest_paid ?? null,
    ytdPrincipalPaid: s.ytd_principal_paid ?? null,
  };
}

export function toLiabilitiesView(data: { accounts: AccountBase[]; liabilities: LiabilitiesObject }): LiabilitiesView {
  return {
    accounts: data.accounts.map(toAccountView),
    credit: (data.liabilities.credit ?? []).map(toCredit),
    mortgage: (data.liabilities.mortgage ?? []).map(toMortgage),
    student: (data.liabilities.student ?? []).map(toStudent),
  };
}
