import { derivedId } from './ids.js';

/** A security in the shape Plaid's `Security` has (every required field present). */
export interface SecurityRecord {
  security_id: string;
  isin: string | null;
  cusip: string | null;
  sedol: null;
  institution_security_id: string | null;
  institution_id: string | null;
  proxy_security_id: null;
  name: string;
  ticker_symbol: string | null;
  is_cash_equivalent: boolean;
  type: string;
  subtype: string;
  close_price: number;
  close_price_as_of: string | null;
  update_datetime: null;
  iso_currency_code: string;
  unofficial_currency_code: null;
  market_identifier_code: string | null;
  sector: string | null;
  industry: string | null;
  cfi_code: string | null;
  option_contract: { contract_type: string; expiration_date: string; strike_price: number; underlying_security_ticker: string } | null;
  fixed_income: {
    yield_rate: { percentage: number; type: string } | null;
    maturity_date: string | null;
    issue_date: string | null;
    face_value: number | null;
  } | null;
}

type Fixture = Omit<
  SecurityRecord,
  | 'security_id'
  | 'sedol'
  | 'proxy_security_id'
  | 'update_datetime'
  | 'iso_currency_code'
  | 'unofficial_currency_code'
  | 'close_price_as_of'
  | 'institution_id'
  | 'institution_security_id'
>;

const plain = { option_contract: null, fixed_income: null };

/**
 * The securities `user_good` holds and trades, as in Plaid's sandbox examples. Plaid's
 * security ids are global (the same security has the same id in every Item), so these
 * derive from the ticker only.
 */
const FIXTURES: Readonly<Record<string, Fixture>> = {
  USD: {
    ...plain,
    isin: null,
    cusip: null,
    name: 'U S Dollar',
    ticker_symbol: 'USD',
    is_cash_equivalent: true,
    type: 'cash',
    subtype: 'cash',
    close_price: 1,
    market_identifier_code: null,
    sector: null,
    industry: null,
    cfi_code: null,
  },
  NFLX180201C00355000: {
    isin: null,
    cusip: null,
    name: "Nflx Feb 01'18 $355 Call",
    ticker_symbol: 'NFLX180201C00355000',
    is_cash_equivalent: false,
    type: 'derivative',
    subtype: 'option',
    close_price: 0.011,
    market_identifier_code: 'XNAS',
    sector: 'Technology Services',
    industry: 'Internet Software or Services',
    cfi_code: 'OCASPS',
    option_contract: { contract_type: 'call', expiration_date: '2018-02-01', strike_price: 355, underlying_security_ticker: 'NFLX' },
    fixed_income: null,
  },
  ACHN: equity('00448Q201', 'US00448Q2012', 'Achillion Pharmaceuticals Inc.', 'ACHN', 2.11, 'Health Technology', 'Major Pharmaceuticals'),
  SBSI: equity('84470P109', 'US84470P1093', 'Southside Bancshares Inc.', 'SBSI', 34.73, 'Finance', 'Regional Banks'),
  DBLTX: fund(['258620103', 'US2586201038'], 'DoubleLine Total Return Bond Fund', 'DBLTX', 10.42, 'mutual fund', 'CIOIBS'),
  MIPTX: fund(['577130834', 'US5771308344'], 'Matthews Pacific Tiger Fund Insti Class', 'MIPTX', 27, 'mutual fund', 'CIOGES', [
    'Miscellaneous',
    'Investment Trusts or Mutual Funds',
  ]),
  NHX105509: fund([null, null], 'NH PORTFOLIO 1055 (FIDELITY INDEX)', 'NHX105509', 13.73, 'etf', null),
  TBILL: {
    isin: null,
    cusip: '912797HE0',
    name: 'US Treasury Bill - 5.43% 31/10/2024 USD 100',
    ticker_symbol: null,
    is_cash_equivalent: false,
    type: 'fixed income',
    subtype: 'bill',
    close_price: 94.808,
    market_identifier_code: null,
    sector: 'Government',
    industry: 'Sovereign Government',
    cfi_code: 'DYZTXR',
    option_contract: null,
    fixed_income: {
      yield_rate: { percentage: 5.43, type: 'coupon_equivalent' },
      maturity_date: '2024-10-31',
      issue_date: '2023-11-02',
      face_value: 100,
    },
  },
};

/** Keys of {@link FIXTURES}: what holdings and investment transactions refer to. */
export type SecurityKey = keyof typeof FIXTURES & string;

function equity(cusip: string, isin: string, name: string, ticker: string, price: number, sector: string, industry: string): Fixture {
  return {
    ...plain,
    isin,
    cusip,
    name,
    ticker_symbol: ticker,
    is_cash_equivalent: false,
    type: 'equity',
    subtype: 'common stock',
    close_price: price,
    market_identifier_code: 'XNAS',
    sector,
    industry,
    cfi_code: 'ESVUFR',
  };
}

function fund(
  [cusip, isin]: [string | null, string | null],
  name: string,
  ticker: string,
  price: number,
  type: string,
  cfi: string | null,
  [sector, industry]: [string | null, string | null] = [null, null],
): Fixture {
  return {
    ...plain,
    isin,
    cusip,
    name,
    ticker_symbol: ticker,
    is_cash_equivalent: false,
    type,
    subtype: type,
    close_price: price,
    market_identifier_code: 'XNAS',
    sector,
    industry,
    cfi_code: cfi,
  };
}

/** The global id of a fixture security. */
export function securityId(key: string): string {
  return derivedId('security', key);
}

/** The security `key` with its price dated `asOf` (the Item's last extraction day). */
export function security(key: string, asOf: string): SecurityRecord {
  const fixture = FIXTURES[key];
  if (!fixture) throw new Error(`plaid-sandbox: no security ${key}`);
  return {
    security_id: securityId(key),
    sedol: null,
    proxy_security_id: null,
    institution_id: null,
    institution_security_id: null,
    update_datetime: null,
    iso_currency_code: 'USD',
    unofficial_currency_code: null,
    close_price_as_of: asOf,
    ...structuredClone(fixture),
  };
}

/** The securities with these ids (unknown ids are skipped), priced as of `asOf`. */
export function securitiesWithIds(ids: Iterable<string>, asOf: string): SecurityRecord[] {
  const wanted = new Set(ids);
  return Object.keys(FIXTURES)
    .filter((key) => wanted.has(securityId(key)))
    .map((key) => security(key, asOf));
}
