/**
 * What `/link/token/create` was asked for, kept until the token expires: the
 * emulated Link reads it to open (update mode, institutions that can serve the
 * products) and to create the Item the way the link token says.
 */
export interface LinkTokenRecord {
  /** Epoch milliseconds. */
  expiresAt: number;
  createdAt: string;
  clientName: string;
  language: string;
  countryCodes: string[];
  products: string[];
  requiredIfSupportedProducts: string[];
  optionalProducts: string[];
  additionalConsentedProducts: string[];
  webhook: string | null;
  redirectUri: string | null;
  /** Update mode: the Item whose access token the link token was created with. */
  itemId: string | null;
}
