/**
 * The web app's own crypto, without a server: scrypt password hashes and the
 * AES-256-GCM sealed session cookie (tampering, foreign keys, junk all fail closed).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/server/auth/password.js';
import { deriveSessionKey, newSessionId, openSessionCookie, readCookie, sealSessionId } from '../src/server/auth/session-cookie.js';

describe('password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash.startsWith('scrypt$')).toBe(true);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it.each(['', 'bcrypt$x', 'scrypt$1$2$3$salt', `scrypt$32768$8$1$${randomBytes(16).toString('base64')}$c2hvcnQ=`])(
    'refuses malformed hash %#',
    async (stored) => {
      expect(await verifyPassword('anything', stored)).toBe(false);
    },
  );
});

describe('sealed session cookie', () => {
  const key = deriveSessionKey(randomBytes(32));

  it('round-trips a session id and never shows it in clear', () => {
    const id = newSessionId();
    const sealed = sealSessionId(key, id);
    expect(sealed).not.toContain(id.toString('base64url'));
    expect(openSessionCookie(key, sealed)?.equals(id)).toBe(true);
    expect(sealSessionId(key, id)).not.toBe(sealed);
  });

  it('refuses a cookie with any byte changed', () => {
    const raw = Buffer.from(sealSessionId(key, newSessionId()), 'base64url');
    for (const at of [0, 12, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at]! ^= 1;
      expect(openSessionCookie(key, bad.toString('base64url'))).toBeUndefined();
    }
  });

  it('refuses a cookie sealed under another secret, and junk', () => {
    const other = deriveSessionKey(randomBytes(32));
    expect(openSessionCookie(other, sealSessionId(key, newSessionId()))).toBeUndefined();
    for (const junk of [undefined, '', 'abc', 'x'.repeat(300), sealSessionId(key, newSessionId()).slice(0, -2)]) {
      expect(openSessionCookie(key, junk)).toBeUndefined();
    }
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; __Host-pv_session=xyz; b=2', '__Host-pv_session')).toBe('xyz');
    expect(readCookie('pv_session_x=1', 'pv_session')).toBeUndefined();
    expect(readCookie(null, 'pv_session')).toBeUndefined();
  });
});
