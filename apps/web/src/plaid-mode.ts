/** Plaid's drop-in Link script; Plaid requires it to be loaded from its CDN, never bundled or self-hosted. */
export const PLAID_LINK_CDN_SCRIPT = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js';

/** The same path on plaid-sandbox, so that only the origin changes. */
const EMULATOR_LINK_PATH = '/link/v2/stable/link-initialize.js';

/** How the app reaches Plaid, decided once from the environment by the composition roots. */
export interface PlaidMode {
  /** `emulator`, `sandbox` or `production`. */
  readonly plaidEnv: string;
  /** The offline emulator: banner, generated dev secrets allowed. */
  readonly emulator: boolean;
  /**
   * Where the browser loads Link's drop-in script from (the CSP allows its origin),
   * or null when there is no Link to load: the embedded emulator without a known
   * port, where the app offers its sandbox connect form instead.
   */
  readonly linkScriptUrl: string | null;
  /** The port the embedded emulator listens on (`PLAID_EMULATOR_PORT`), or 0 for any free port. */
  readonly emulatorPort: number;
}

/**
 * Pure: credentials present and PLAID_ENV not `emulator` means real Plaid, whose
 * Link comes from Plaid's CDN. With the emulator, Link comes from the emulator:
 * `PLAID_LINK_SCRIPT_URL`, else the same path on `PLAID_BASE_URL`, else on the
 * embedded emulator's `PLAID_EMULATOR_PORT`. Throws on a malformed value, or on
 * `PLAID_LINK_SCRIPT_URL` with real Plaid (fail closed: production Link is Plaid's).
 *
 * @example
 * plaidModeFrom({ PLAID_BASE_URL: 'http://127.0.0.1:4010' }).linkScriptUrl;
 * // 'http://127.0.0.1:4010/link/v2/stable/link-initialize.js'
 */
export function plaidModeFrom(env: Record<string, string | undefined>): PlaidMode {
  const hasCredentials = Boolean(env.PLAID_CLIENT_ID && env.PLAID_SECRET);
  const plaidEnv = env.PLAID_ENV ?? (hasCredentials ? 'sandbox' : 'emulator');
  const emulator = plaidEnv === 'emulator';
  const emulatorPort = port(env.PLAID_EMULATOR_PORT);
  if (env.PLAID_LINK_SCRIPT_URL && !emulator)
    throw new Error('PLAID_LINK_SCRIPT_URL is for the emulator only: with Plaid, Link must load from cdn.plaid.com.');
  const linkScriptUrl = !emulator
    ? PLAID_LINK_CDN_SCRIPT
    : env.PLAID_LINK_SCRIPT_URL
      ? httpUrl('PLAID_LINK_SCRIPT_URL', env.PLAID_LINK_SCRIPT_URL)
      : env.PLAID_BASE_URL
        ? new URL(EMULATOR_LINK_PATH, httpUrl('PLAID_BASE_URL', env.PLAID_BASE_URL)).href
        : emulatorPort
          ? `http://127.0.0.1:${emulatorPort}${EMULATOR_LINK_PATH}`
          : null;
  return { plaidEnv, emulator, linkScriptUrl, emulatorPort };
}

function httpUrl(name: string, value: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    throw new Error(`${name} must be an http(s) URL without credentials.`);
  return url.href;
}

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error('PLAID_EMULATOR_PORT must be a port number (1-65535).');
  return n;
}
