import type { ErrorCode } from '../errors.js';

/**
 * Exit codes are part of the CLI's public contract (cron jobs and scripts
 * branch on them); they are listed in `plaid-vault --help` and the README.
 */
export const EXIT = {
  ok: 0,
  /** The command ran and something failed: a doctor check, a broken audit chain, items not rotated. */
  failure: 1,
  /** Bad arguments: unknown command or option, missing value. */
  usage: 2,
  /** The environment is wrong: invalid config, missing or unknown key. */
  config: 3,
  /** A service did not answer: database, Redis or Plaid. */
  unavailable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  ERR_INPUT_INVALID: EXIT.usage,
  ERR_CONFIG_INVALID: EXIT.config,
  ERR_CRYPTO_KEY_UNKNOWN: EXIT.config,
  ERR_PRODUCT_NOT_ENABLED: EXIT.config,
  ERR_STORE_UNAVAILABLE: EXIT.unavailable,
  ERR_PLAID_UNREACHABLE: EXIT.unavailable,
  ERR_AUDIT_UNAVAILABLE: EXIT.unavailable,
};

/** The exit code for a failed command, by the error's code. */
export function exitCodeFor(code: string): ExitCode {
  return BY_CODE[code as ErrorCode] ?? EXIT.failure;
}

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  failure (a check failed, the audit chain is broken, some items failed)
  2  usage error (unknown command or option, bad value)
  3  configuration error (invalid config, missing or unknown key)
  4  a service is unavailable (database, Plaid)`;
