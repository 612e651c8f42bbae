/** The page CSP and the Plaid mode it depends on (pure functions; the E2E run checks the served headers). */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../src/content-security-policy.js';
import { PLAID_LINK_CDN_SCRIPT, plaidModeFrom } from '../src/plaid-mode.js';

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

describe('content security policy', () => {
  it('allows only nonce-carrying scripts and no other origin without Link', () => {
    const csp = directives(contentSecurityPolicy({ nonce: 'abc123', linkScriptUrl: null, dev: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('frame-src')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect([...csp.values()].flat().some((v) => v.includes('://'))).toBe(false);
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
  });

  it("adds Plaid's CDN to scripts and frames, and Plaid's API hosts to connections, with Plaid's Link", () => {
    const csp = directives(contentSecurityPolicy({ nonce: 'n', linkScriptUrl: PLAID_LINK_CDN_SCRIPT, dev: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-n'", "'strict-dynamic'", 'https://cdn.plaid.com']);
    expect(csp.get('frame-src')).toEqual(['https://cdn.plaid.com']);
    expect(csp.get('connect-src')).toEqual(["'self'", 'https://*.plaid.com']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it("adds the emulator's origin (and only its origin) to scripts and frames with the offline Link", () => {
    const url = 'http://127.0.0.1:4010/link/v2/stable/link-initialize.js';
    const csp = directives(contentSecurityPolicy({ nonce: 'n', linkScriptUrl: url, dev: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-n'", "'strict-dynamic'", 'http://127.0.0.1:4010']);
    expect(csp.get('frame-src')).toEqual(['http://127.0.0.1:4010']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect([...csp.values()].flat().some((v) => v.includes('plaid.com'))).toBe(false);
  });
});

describe('plaid mode', () => {
  const emulatorLink = (origin: string) => `${origin}/link/v2/stable/link-initialize.js`;
  it.each([
    [{}, { plaidEnv: 'emulator', emulator: true, linkScriptUrl: null, emulatorPort: 0 }],
    [{ PLAID_EMULATOR_PORT: '4555' }, { emulator: true, linkScriptUrl: emulatorLink('http://127.0.0.1:4555'), emulatorPort: 4555 }],
    [{ PLAID_BASE_URL: 'http://127.0.0.1:4010' }, { emulator: true, linkScriptUrl: emulatorLink('http://127.0.0.1:4010') }],
    [{ PLAID_BASE_URL: 'http://emu.test:4010/', PLAID_EMULATOR_PORT: '4555' }, { linkScriptUrl: emulatorLink('http://emu.test:4010') }],
    [
      { PLAID_BASE_URL: 'http://127.0.0.1:4010', PLAID_LINK_SCRIPT_URL: 'https://link.example/x.js' },
      { emulator: true, linkScriptUrl: 'https://link.example/x.js' },
    ],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's' },
      { plaidEnv: 'sandbox', emulator: false, linkScriptUrl: PLAID_LINK_CDN_SCRIPT },
    ],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_ENV: 'production', PLAID_BASE_URL: 'http://127.0.0.1:1' },
      { plaidEnv: 'production', emulator: false, linkScriptUrl: PLAID_LINK_CDN_SCRIPT },
    ],
    [
      { PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_ENV: 'emulator' },
      { plaidEnv: 'emulator', emulator: true, linkScriptUrl: null },
    ],
    [{ PLAID_CLIENT_ID: 'id' }, { plaidEnv: 'emulator', emulator: true, linkScriptUrl: null }],
  ])('%j', (env, mode) => {
    expect(plaidModeFrom(env)).toMatchObject(mode);
  });

  it.each([
    [{ PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_LINK_SCRIPT_URL: 'https://evil.example/link.js' }, /emulator only/],
    [{ PLAID_LINK_SCRIPT_URL: 'javascript:alert(1)' }, /PLAID_LINK_SCRIPT_URL must be an http\(s\) URL/],
    [{ PLAID_LINK_SCRIPT_URL: 'http://user:pw@emu.test/x.js' }, /without credentials/],
    [{ PLAID_BASE_URL: 'not a url' }, /PLAID_BASE_URL must be/],
    [{ PLAID_EMULATOR_PORT: '70000' }, /PLAID_EMULATOR_PORT/],
    [{ PLAID_EMULATOR_PORT: 'abc' }, /PLAID_EMULATOR_PORT/],
  ])('refuses %j', (env, message) => {
    expect(() => plaidModeFrom(env)).toThrow(message);
  });
});
