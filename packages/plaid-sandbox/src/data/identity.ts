/** The sandbox's well-known account holder (Plaid's docs example owner), on every account. */
export const OWNER = {
  names: ['Alberta Bobbeth Charleson'],
  phone_numbers: [
    { data: '+1 111-555-3333', primary: false, type: 'home' },
    { data: '+1 111-555-4444', primary: false, type: 'work' },
    { data: '+1 111-555-5555', primary: false, type: 'mobile' },
  ],
  emails: [
    { data: 'accountholder0@example.com', primary: true, type: 'primary' },
    { data: 'accountholder1@example.com', primary: false, type: 'secondary' },
  ],
  addresses: [
    { data: { street: '2992 Cameron Road', city: 'Malakoff', region: 'NY', postal_code: '14236', country: 'US' }, primary: true },
  ],
} as const;

/** What `/identity/match` compares (Plaid's `IdentityMatchUser`). */
export interface MatchInput {
  legal_name?: string | null;
  phone_number?: string | null;
  email_address?: string | null;
  address?: { street?: string | null; postal_code?: string | null } | null;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
const digits = (s: string) => s.replace(/\D/g, '').slice(-10);

/**
 * Deterministic match scores against {@link OWNER}, in Plaid's 0-100 range: exact matches
 * score 100, a shared first or last name 70, a matching postal code alone 50, anything
 * else 0. A field the caller did not send is null, as Plaid answers.
 */
export function matchScores(user: MatchInput) {
  const owner = OWNER.names[0].toLowerCase().split(' ');
  const name = user.legal_name ? norm(user.legal_name) : null;
  const nameWords = name?.split(' ') ?? [];
  const partial = nameWords.includes(owner[0]!) || nameWords.includes(owner[owner.length - 1]!);
  const address = OWNER.addresses[0].data;
  const postal = user.address?.postal_code ? user.address.postal_code.trim() === address.postal_code : false;
  const street = user.address?.street ? norm(user.address.street) === norm(address.street) : false;
  return {
    legal_name:
      name === null
        ? null
        : {
            score: name === owner.join(' ') ? 100 : partial ? 70 : 0,
            is_first_name_or_last_name_match: partial,
            is_nickname_match: false,
            is_business_name_detected: false,
          },
    phone_number: user.phone_number
      ? { score: OWNER.phone_numbers.some((p) => digits(p.data) === digits(user.phone_number!)) ? 100 : 0 }
      : null,
    email_address: user.email_address ? { score: OWNER.emails.some((e) => e.data === norm(user.email_address!)) ? 100 : 0 } : null,
    address: user.address ? { score: street && postal ? 100 : postal ? 50 : 0, is_postal_code_match: postal } : null,
  };
}
