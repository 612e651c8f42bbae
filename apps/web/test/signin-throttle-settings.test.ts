/** The sign-in throttle's pure parts: settings from the environment, the client address, the page's message. */
import { describe, expect, it } from 'vitest';
import { authFormMessage } from '../src/error-messages.js';
import { UNKNOWN_CLIENT, clientAddressFrom } from '../src/server/auth/client-address.js';
import { signInThrottleSettingsFrom } from '../src/server/auth/signin-throttle-settings.js';

describe('sign-in throttle settings', () => {
  it('defaults to 5 failures in 15 minutes, a 15-minute lock and no per-client limit', () => {
    const s = signInThrottleSettingsFrom({});
    expect(s).toEqual({ maxFailures: 5, maxFailuresPerClient: 20, windowMinutes: 15, lockMinutes: 15, clientIpHeader: null });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('reads every variable', () => {
    expect(
      signInThrottleSettingsFrom({
        WEB_SIGNIN_MAX_FAILURES: '3',
        WEB_SIGNIN_MAX_FAILURES_PER_CLIENT: '50',
        WEB_SIGNIN_WINDOW_MINUTES: '60',
        WEB_SIGNIN_LOCK_MINUTES: '30',
        WEB_CLIENT_IP_HEADER: ' X-Forwarded-For ',
      }),
    ).toEqual({ maxFailures: 3, maxFailuresPerClient: 50, windowMinutes: 60, lockMinutes: 30, clientIpHeader: 'x-forwarded-for' });
  });

  it.each([
    ['WEB_SIGNIN_MAX_FAILURES', '0'],
    ['WEB_SIGNIN_MAX_FAILURES', 'five'],
    ['WEB_SIGNIN_MAX_FAILURES', '2.5'],
    ['WEB_SIGNIN_LOCK_MINUTES', '-1'],
    ['WEB_SIGNIN_WINDOW_MINUTES', '99999'],
    ['WEB_CLIENT_IP_HEADER', 'x forwarded for'],
  ])('refuses %s=%s (fails closed rather than weakening sign-in)', (name, value) => {
    expect(() => signInThrottleSettingsFrom({ [name]: value })).toThrow(name);
  });
});

describe('client address from a trusted header', () => {
  const from = (value: string | null, header: string | null = 'x-forwarded-for') =>
    clientAddressFrom(new Headers(value === null ? {} : { 'x-forwarded-for': value }), header);

  it('is undefined (no per-client limit) when no header is configured, whatever the request says', () => {
    expect(from('203.0.113.7', null)).toBeUndefined();
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7, 10.0.0.1', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:aa:bb:1:2:3:4', '2001:db8:aa:bb::/64'],
    ['2001:DB8:AA:BB::99', '2001:db8:aa:bb::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['not-an-address', UNKNOWN_CLIENT],
    ['', UNKNOWN_CLIENT],
    [null, UNKNOWN_CLIENT],
  ])('%s counts as %s', (value, want) => {
    expect(from(value)).toBe(want);
  });
});

describe('auth form messages', () => {
  it('tells a throttled user how long to wait', () => {
    expect(authFormMessage('throttled', 15)).toBe('Too many failed attempts. Try again in about 15 minutes.');
    expect(authFormMessage('throttled', 1)).toBe('Too many failed attempts. Try again in about 1 minute.');
  });

  it.each([undefined, NaN, 0, -3, 1.5, 10 ** 9])('does not repeat a bad retry value from the URL (%s)', (retry) => {
    expect(authFormMessage('throttled', retry)).toBe('Too many failed attempts. Try again later.');
  });

  it('keeps the existing messages, and reads an unknown code as a failed sign-in', () => {
    expect(authFormMessage('weak_password')).toBe('Use a password of at least 8 characters.');
    expect(authFormMessage('whatever')).toBe('That email and password do not match an account.');
  });
});
