/** What linking a bank answers (`vault.link`). */

export interface LinkTokenResult {
  linkToken: string;
  expiration: Date;
}

export interface ExchangeResult {
  itemId: string;
  institutionName: string | null;
  /** Items of the same institution for this user that were removed (policy "replace") or kept ("keep"). */
  duplicates: { itemId: string; action: 'removed' | 'kept' }[];
}
