import { createHash, randomBytes } from 'node:crypto';
import type { AppDb } from '../app-database';
import { hashPassword, verifyPassword, DUMMY_HASH_PROMISE } from './password';
import { isPasswordGateFull, type PasswordGate } from './password-gate';
import type { SignInThrottle } from './signin-throttle';
import type { SignUpLimit } from './signup-limit';
import { newSessionId, openSessionCookie, readCookie, sealSessionId, sessionCookieName } from './session-cookie';

const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,60}$/;

/** A sign-up's answer. `limited` and `busy` come without a password hash (nothing was created). */
export type SignUpResult =
  | { ok: true; userId: string }
  | { ok: false; error: 'invalid_email' | 'weak_password' | 'email_taken' | 'busy' }
  | { ok: false; error: 'limited'; retryAfterSeconds: number };

/**
 * A sign-in's answer. `invalid` never says whether the email exists; `throttled`
 * and `busy` (the password gate's queue is full) come without a password check.
 */
export type SignInResult =
  { ok: true; userId: string } | { ok: false; error: 'invalid' | 'busy' } | { ok: false; error: 'throttled'; retryAfterSeconds: number };

/** Emails are compared (and throttled) trimmed and lowercased. */
function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export interface Sessions {
  readonly cookieName: string;
  readonly secure: boolean;
  /** Create an account, unless sign-ups (from `client`, an address from a trusted header, or in all) are used up. */
  signUp(email: string, password: string, client?: string): Promise<SignUpResult>;
  /**
   * The user id when email and password match (same timing for an unknown email),
   * unless the email, or `client` (an address from a trusted header), is locked
   * after repeated failures.
   */
  signIn(email: string, password: string, client?: string): Promise<SignInResult>;
  /** A new session for `userId`: the sealed cookie value and its max age in seconds. */
  start(userId: string): Promise<{ cookie: string; maxAge: number }>;
  /** The user behind a cookie value, if the session exists and has not expired. */
  userIdFromCookie(value: string | undefined): Promise<string | undefined>;
  /** The same, reading the cookie from a request (the HTTP API's auth hook). */
  userIdFromRequest(req: Request): Promise<string | undefined>;
  end(value: string | undefined): Promise<void>;
}

function hashId(id: Buffer): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * Users and sessions in the app database. Session ids are random, stored only
 * as SHA-256 hashes, and travel to the browser sealed with AES-256-GCM.
 */
export function createSessions(
  db: AppDb,
  key: Buffer,
  opts: {
    secure: boolean;
    throttle: SignInThrottle;
    signUpLimit: SignUpLimit;
    /** Every scrypt (sign-in and sign-up) runs through it: a bounded number at once, a bounded queue. */
    gate: PasswordGate;
    now?: () => Date;
    /** The password check (tests wrap it to count scrypt runs). */
    verify?: (password: string, stored: string) => Promise<boolean>;
  },
): Sessions {
  const now = opts.now ?? (() => new Date());
  const verify = opts.verify ?? verifyPassword;
  const cookieName = sessionCookieName(opts.secure);

  async function userIdFromCookie(value: string | undefined): Promise<string | undefined> {
    const id = openSessionCookie(key, value);
    if (!id) return undefined;
    const row = await db.selectFrom('web_sessions').select(['user_id', 'expires_at']).where('id_hash', '=', hashId(id)).executeTakeFirst();
    if (!row || row.expires_at <= now().toISOString()) return undefined;
    return row.user_id;
  }

  return {
    cookieName,
    secure: opts.secure,
    async signUp(rawEmail, password, client) {
      const email = normalizeEmail(rawEmail);
      // Checked before the limit: a typo does not use up a sign-up.
      if (!EMAIL.test(email) || email.length > 254) return { ok: false, error: 'invalid_email' };
      if (password.length < 8 || password.length > 1024) return { ok: false, error: 'weak_password' };
      let result;
      try {
        result = await opts.signUpLimit.guard(client, async () => {
          const userId = `u_${randomBytes(12).toString('hex')}`;
          const passwordHash = await opts.gate.run(() => hashPassword(password));
          const inserted = await db
            .insertInto('web_users')
            .values({ id: userId, email, password_hash: passwordHash, created_at: now().toISOString() })
            .onConflict((oc) => oc.column('email').doNothing())
            .executeTakeFirst();
          return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0 ? undefined : userId;
        });
      } catch (err) {
        if (isPasswordGateFull(err)) return { ok: false, error: 'busy' };
        throw err;
      }
      if (result.outcome === 'limited') return { ok: false, error: 'limited', retryAfterSeconds: result.retryAfterSeconds };
      return result.value === undefined ? { ok: false, error: 'email_taken' } : { ok: true, userId: result.value };
    },
    async signIn(rawEmail, password, client) {
      const email = normalizeEmail(rawEmail);
      // Keyed by the email whether or not it has an account: an unknown one is throttled the same way.
      let result;
      try {
        result = await opts.throttle.guard({ account: email, client }, async () => {
          const row = await db.selectFrom('web_users').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
          const stored = row?.password_hash ?? (await DUMMY_HASH_PROMISE);
          const ok = await opts.gate.run(() => verify(password.slice(0, 1024), stored), 'first');
          return ok && row ? row.id : undefined;
        });
      } catch (err) {
        if (isPasswordGateFull(err)) return { ok: false, error: 'busy' };
        throw err;
      }
      if (result.outcome === 'ok') return { ok: true, userId: result.value };
      if (result.outcome === 'throttled') return { ok: false, error: 'throttled', retryAfterSeconds: result.retryAfterSeconds };
      return { ok: false, error: 'invalid' };
    },
    async start(userId) {
      const id = newSessionId();
      const at = now();
      // Expired rows are dead weight (lookups already ignore them); sign-in is a cheap moment to drop them.
      await db.deleteFrom('web_sessions').where('expires_at', '<=', at.toISOString()).execute();
      await db
        .insertInto('web_sessions')
        .values({
          id_hash: hashId(id),
          user_id: userId,
          created_at: at.toISOString(),
          expires_at: new Date(at.getTime() + SESSION_TTL_MS).toISOString(),
        })
        .execute();
      return { cookie: sealSessionId(key, id), maxAge: SESSION_TTL_MS / 1000 };
    },
    userIdFromCookie,
    userIdFromRequest(req) {
      return userIdFromCookie(readCookie(req.headers.get('cookie'), cookieName));
    },
    async end(value) {
      const id = openSessionCookie(key, value);
      if (id) await db.deleteFrom('web_sessions').where('id_hash', '=', hashId(id)).execute();
    },
  };
}
