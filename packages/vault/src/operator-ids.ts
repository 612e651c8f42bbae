/**
 * Ids an operator chooses: key ids (`kid`, written into every envelope) and
 * service API key ids (`VAULT_API_KEYS`). 1-64 of A-Z a-z 0-9 . _ -, so they
 * are safe in environment variables, file names, log lines and SQL text. A
 * leaf, like errors.ts: crypto/, http/ and the CLI check against this one rule.
 */
export const OPERATOR_ID = /^[A-Za-z0-9._-]{1,64}$/;
