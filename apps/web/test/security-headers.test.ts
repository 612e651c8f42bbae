/** The page CSP and the Plaid mode it depends on (pure functions; the E2E run checks the served headers). */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../src/content-security-policy.js';
import { plaidModeFrom } from '../src/plaid-mode.js';

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

describe('content security policy', () => {
  it('allows only nonce-carrying scripts and no Plaid origin with the emulator', () => {
    const csp = directives(contentSecurityPolicy({ nonce: 'abc123', linkEnabled: false, dev: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('frame-src')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect([...csp.values()].flat().some((v) => v.includes('plaid.com'))).toBe(false);
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
  });

  it("adds Plaid Link's origin to scripts and frames only when Link is enabled", () => {
    const csp = directives(contentSecurityPolicy({ nonce: 'n', linkEnabled: true, dev: false }));
    expect(csp.get('script-src')).toContain('https://cdn.plaid.com');
    expect(csp.get('frame-src')).toEqual(['https://cdn.plaid.com']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('plaid mode', () => {
  it.each([
    [{}, { plaidEnv: 'emulator', emulator: true, linkEnabled: false }],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's' },
      { plaidEnv: 'sandbox', emulator: false, linkEnabled: true },
    ],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_ENV: 'production' },
      { plaidEnv: 'production', emulator: false, linkEnabled: true },
    ],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_ENV: 'emulator' },
      { plaidEnv: 'emulator', emulator: true, linkEnabled: false },
    ],
    [{ PLAID_CLIENT_ID: 'id' }, { plaidEnv: 'emulator', emulator: true, linkEnabled: false }],
  ])('%j', (env, mode) => {
    expect(plaidModeFrom(env)).toEqual(mode);
  });
});
