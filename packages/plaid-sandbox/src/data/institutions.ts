/** A sandbox institution as `/institutions/get_by_id` describes it. */
export interface InstitutionFixture {
  institutionId: string;
  name: string;
  products: readonly string[];
  routingNumbers: readonly string[];
  oauth: boolean;
  url: string;
  primaryColor: string;
  countryCodes: readonly string[];
}

const FULL = ['assets', 'auth', 'balance', 'identity', 'income_verification', 'investments', 'liabilities', 'transactions'];

/**
 * Plaid's sandbox institutions (ids and names from Plaid's docs). Houndstooth Bank
 * deliberately lacks `identity` and `investments` so that PRODUCTS_NOT_SUPPORTED can
 * be exercised deterministically.
 */
export const INSTITUTIONS: readonly InstitutionFixture[] = [
  inst('ins_109508', 'First Platypus Bank', FULL, '011401533', false, '#1f1f1f'),
  inst('ins_109509', 'First Gingham Credit Union', FULL, '011401534', false, '#3d6a3a'),
  inst('ins_109510', 'Tattersall Federal Credit Union', FULL, '011401535', false, '#7a2f2f'),
  inst('ins_109511', 'Tartan Bank', FULL, '011401536', false, '#14325c'),
  inst('ins_109512', 'Houndstooth Bank', ['assets', 'auth', 'balance', 'liabilities', 'transactions'], '011401537', false, '#333333'),
  inst('ins_130016', 'First Platypus Balance Bank', FULL, '011401538', false, '#1f1f1f'),
  inst('ins_127287', 'Platypus OAuth Bank', FULL, '011401539', true, '#2b2b6b'),
];

function inst(
  institutionId: string,
  name: string,
  products: readonly string[],
  routing: string,
  oauth: boolean,
  primaryColor: string,
): InstitutionFixture {
  const slug = name.toLowerCase().replace(/[^a-z]+/g, '');
  return {
    institutionId,
    name,
    products,
    routingNumbers: [routing],
    oauth,
    url: `https://www.${slug}.example`,
    primaryColor,
    countryCodes: ['US'],
  };
}

/** The institution with this id, or undefined. */
export function findInstitution(id: string): InstitutionFixture | undefined {
  return INSTITUTIONS.find((i) => i.institutionId === id);
}

/** Products Plaid accepts by name (SDK v47 `Products`). */
export const KNOWN_PRODUCTS: ReadonlySet<string> = new Set([
  'assets',
  'auth',
  'balance',
  'balance_plus',
  'beacon',
  'identity',
  'identity_match',
  'investments',
  'investments_auth',
  'liabilities',
  'payment_initiation',
  'identity_verification',
  'transactions',
  'credit_details',
  'income',
  'income_verification',
  'standing_orders',
  'transfer',
  'employment',
  'recurring_transactions',
  'transactions_refresh',
  'signal',
  'statements',
  'processor_payments',
  'processor_identity',
  'profile',
  'cra_base_report',
  'cra_income_insights',
  'cra_partner_insights',
  'cra_network_insights',
  'cra_cashflow_insights',
  'cra_monitoring',
  'cra_lend_score',
  'cra_plaid_credit_score',
  'cra_qualify',
  'cra_home_lending',
  'layer',
  'pay_by_bank',
  'protect_linked_bank',
  'protect_transactions',
]);
