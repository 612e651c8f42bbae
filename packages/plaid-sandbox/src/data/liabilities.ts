import type { AccountRecord } from './accounts.js';
import { dayOffset } from './transactions.js';

// Indexes into the Item's accounts (see accounts.ts).
const CREDIT_CARD = 3;
const STUDENT_LOAN = 7;
const MORTGAGE = 8;

/** The accounts `/liabilities/get` reports on: credit cards and student loans and mortgages. */
export function liabilityAccounts(accounts: readonly AccountRecord[]): AccountRecord[] {
  return accounts.filter((a) => a.type === 'credit' || (a.type === 'loan' && (a.subtype === 'student' || a.subtype === 'mortgage')));
}

/** Days relative to the Item's creation; negative is in the past. */
const on = (createdAt: Date, days: number) => dayOffset(createdAt, -days);

/**
 * `user_good`'s liabilities, with Plaid's sandbox figures (credit card APRs, the 30-year
 * mortgage, the consolidated student loan). Statement and payment dates follow the
 * Item's creation so that due dates are in the near future, as a live account's are;
 * origination dates and terms are fixed.
 */
export function liabilitiesFor(accounts: readonly AccountRecord[], createdAt: Date) {
  const id = (index: number) => accounts[index]!.account_id;
  return {
    credit: [
      {
        account_id: id(CREDIT_CARD),
        aprs: [
          { apr_percentage: 15.24, apr_type: 'balance_transfer_apr', balance_subject_to_apr: 1562.32, interest_charge_amount: 130.22 },
          { apr_percentage: 27.95, apr_type: 'cash_apr', balance_subject_to_apr: 56.22, interest_charge_amount: 14.81 },
          { apr_percentage: 12.5, apr_type: 'purchase_apr', balance_subject_to_apr: 157.01, interest_charge_amount: 25.66 },
          { apr_percentage: 0, apr_type: 'special', balance_subject_to_apr: 1000, interest_charge_amount: 0 },
        ],
        is_overdue: false,
        last_payment_amount: 168.25,
        last_payment_date: on(createdAt, -24),
        last_statement_issue_date: on(createdAt, -18),
        last_statement_balance: 1708.77,
        minimum_payment_amount: 20,
        next_payment_due_date: on(createdAt, 10),
      },
    ],
    mortgage: [
      {
        account_id: id(MORTGAGE),
        account_number: '3120194154',
        current_late_fee: 25,
        escrow_balance: 3141.54,
        has_pmi: true,
        has_prepayment_penalty: true,
        interest_rate: { percentage: 3.99, type: 'fixed' },
        last_payment_amount: 3141.54,
        last_payment_date: on(createdAt, -16),
        loan_term: '30 year',
        loan_type_description: 'conventional',
        maturity_date: '2045-07-31',
        next_monthly_payment: 3141.54,
        next_payment_due_date: on(createdAt, 14),
        origination_date: '2015-08-01',
        origination_principal_amount: 425000,
        past_due_amount: 2304,
        property_address: { city: 'Malakoff', country: 'US', postal_code: '14236', region: 'NY', street: '2992 Cameron Road' },
        ytd_interest_paid: 12300.4,
        ytd_principal_paid: 12340.5,
      },
    ],
    student: [
      {
        account_id: id(STUDENT_LOAN),
        account_number: '4277075694',
        disbursement_dates: ['2002-08-28'],
        expected_payoff_date: '2032-07-28',
        guarantor: 'DEPT OF ED',
        interest_rate_percentage: 5.25,
        is_overdue: false,
        last_payment_amount: 138.05,
        last_payment_date: on(createdAt, -22),
        last_statement_issue_date: on(createdAt, -16),
        last_statement_balance: 1708.77,
        loan_name: 'Consolidation',
        loan_status: { end_date: '2032-07-28', type: 'repayment' },
        minimum_payment_amount: 25,
        next_payment_due_date: on(createdAt, 12),
        origination_date: '2002-08-28',
        origination_principal_amount: 25000,
        outstanding_interest_amount: 6227.36,
        payment_reference_number: '4277075694',
        pslf_status: { estimated_eligibility_date: null, payments_made: null, payments_remaining: null },
        repayment_plan: { description: 'Standard Repayment', type: 'standard' },
        sequence_number: '1',
        servicer_address: { city: 'San Matias', country: 'US', postal_code: '99415', region: 'CA', street: '123 Relaxation Road' },
        ytd_interest_paid: 280.55,
        ytd_principal_paid: 271.65,
      },
    ],
  };
}
