/** How the app reaches Plaid, decided once from the environment by the composition roots. */
export interface PlaidMode {
  /** `emulator`, `sandbox` or `production`. */
  readonly plaidEnv: string;
  /** The offline emulator: banner, sandbox connect form, generated dev secrets allowed. */
  readonly emulator: boolean;
  /** Real Plaid: the browser opens Plaid Link (and the CSP allows its origin). */
  readonly linkEnabled: boolean;
}

/** Pure: credentials present and PLAID_ENV not `emulator` means real Plaid. */
export function plaidModeFrom(env: Record<string, string | undefined>): PlaidMode {
  const hasCredentials = Boolean(env.PLAID_CLIENT_ID && env.PLAID_SECRET);
  const plaidEnv = env.PLAID_ENV ?? (hasCredentials ? 'sandbox' : 'emulator');
  const emulator = plaidEnv === 'emulator';
  return { plaidEnv, emulator, linkEnabled: !emulator };
}
