/**
 * One short "what to do next" per error code, printed after the error line.
 * Operators read these at 3 a.m.: say the action, not the theory.
 */
const FIXES: Record<string, string> = {
  ERR_CONFIG_INVALID: 'check the VAULT_* and PLAID_* variables (plaid-vault doctor lists them)',
  ERR_INPUT_INVALID: 'see plaid-vault <command> --help',
  ERR_ITEM_NOT_FOUND: 'check the item id (plaid-vault items list)',
  ERR_ITEM_RELINK_REQUIRED: 'the user must link this bank again',
  ERR_STORE_CONFLICT: 'another process changed the item; run the command again',
  ERR_STORE_UNAVAILABLE: 'check VAULT_DATABASE_URL and that the database is running',
  ERR_CRYPTO_DECRYPT_FAILED: 'the row or the key is wrong; check VAULT_KEYS matches the one used to write it',
  ERR_CRYPTO_KEY_UNKNOWN: 'add the missing kid back to VAULT_KEYS (plaid-vault doctor shows rows per kid)',
  ERR_KEY_IN_USE: 'run plaid-vault rekey, then retire the key',
  ERR_PRODUCT_NOT_ENABLED: 'add the product to PLAID_PRODUCTS',
  ERR_ROTATION_IN_PROGRESS: 'wait for the rotation or removal of this item to finish, then retry',
  ERR_ROTATION_FAILED: 'run plaid-vault recover, then plaid-vault doctor',
  ERR_AUDIT_UNAVAILABLE: 'audit writes are failing (strict mode refuses token use): check the database, then plaid-vault doctor',
  ERR_AUDIT_CHAIN_BLOCKED: 'run plaid-vault audit verify, keep the rows it names as evidence, then plaid-vault audit quarantine',
  ERR_PLAID_UNREACHABLE: 'check PLAID_ENV / PLAID_BASE_URL and the network',
  ERR_PLAID_RATE_LIMITED: 'retry later or lower --concurrency',
  ERR_PLAID_INVALID_ACCESS_TOKEN: 'the token is dead at Plaid; the user must link again',
  ERR_PLAID_INVALID_INPUT: 'check PLAID_CLIENT_ID and PLAID_SECRET',
  ERR_INTERNAL: 'run again with --debug and report the stack trace',
};

/** The fix hint for an error code; a generic one for codes without their own. */
export function fixFor(code: string): string {
  return FIXES[code] ?? 'run plaid-vault doctor, or run again with --debug';
}
