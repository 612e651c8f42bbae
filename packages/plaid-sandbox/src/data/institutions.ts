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

// Only products the emulator can serve: an institution never advertises one an Item could not get.
const FULL = ['auth', 'balance', 'identity', 'identity_match', 'investments', 'liabilities', 'transactions'];

/**
 * Plaid's sandbox institutions (ids and names from Plaid's docs). Houndstooth Bank
 * deliberately lacks `identity`, `identity_match` and `investments` so that
 * PRODUCTS_NOT_SUPPORTED can be exercised deterministically.
 */
export const INSTITUTIONS: readonly InstitutionFixture[] = [
  inst('ins_109508', 'First Platypus Bank', FULL, '011401533', false, '#1f1f1f'),
  inst('ins_109509', 'First Gingham Credit Union', FULL, '011401534', false, '#3d6a3a'),
  inst('ins_109510', 'Tattersall Federal Credit Union', FULL, '011401535', false, '#7a2f2f'),
  inst('ins_109511', 'Tartan Bank', FULL, '011401536', false, '#14325c'),
  inst('ins_109512', 'Houndstooth Bank', ['auth', 'balance', 'liabilities', 'transactions'], '011401537', false, '#333333'),
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
