import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppDb } from '../app-database';
import type { SignUpLimitSettings } from './signup-limit-settings';

/** What a limited sign-up came to. */
export type SignUpLimitOutcome<T> = { outcome: 'ok'; value: T } | { outcome: 'limited'; retryAfterSeconds: number };

/** Pino-compatible; only `warn` is used (a limit reached). */
export interface SignUpLimitLogger {
  warn(obj: object, msg?: string): void;
}

export interface SignUpLimit {
  /**
   * Run `attempt` (hash the password, insert the user) unless this window's
   * sign-ups are used up, for `client` (an address from a trusted header) or
   * for all clients together. A refusal runs no scrypt. An attempt that throws
   * gives its place back (it created nothing) and the error propagates.
   */
  guard<T>(client: string | undefined, attempt: () => Promise<T>): Promise<SignUpLimitOutcome<T>>;
}

type Scope = 'all' | 'client';

interface Reservation {
  readonly scope: Scope;
  readonly key: string;
  readonly max: number;
  /** This sign-up's number in the window: at most `max` may run, `max + 1` means refused. */
  readonly signups: number;
  readonly windowStartedAt: string;
}

/** The stored key: a fixed one for the global count, SHA-256 of the address for a client (domain-separated from sign-in's keys). */
export function signUpKey(scope: Scope, client?: string): string {
  return scope === 'all'
    ? 'signup:all'
    : createHash('sha256')
        .update(`signup-client:${client ?? ''}`)
        .digest('hex');
}

/**
 * A limit on account creation, counted in the app database like the sign-in
 * throttle (docs/DECISIONS.md, "Sign-in throttle"): every instance shares it and
 * a restart keeps it. Each sign-up reserves its place with one atomic upsert
 * before scrypt runs, so concurrent sign-ups from many instances cannot all slip
 * under the limit. Fixed windows from the first sign-up; the count is not given
 * back when a sign-up succeeds or finds the email taken (both ran scrypt).
 *
 * The global count always applies: it bounds the scrypt work and the accounts
 * sign-up can cause however many addresses a client has. The per-client count
 * (with a trusted client header) keeps one client from using up the global one.
 *
 * @example
 * const limit = createSignUpLimit(db, settings, { logger: console });
 * const r = await limit.guard(client, () => createUser());
 * if (r.outcome === 'limited') return tooMany(r.retryAfterSeconds);
 */
export function createSignUpLimit(
  db: AppDb,
  settings: SignUpLimitSettings,
  opts: { logger: SignUpLimitLogger; now?: () => Date },
): SignUpLimit {
  const now = opts.now ?? (() => new Date());
  const windowMs = settings.windowMinutes * 60_000;

  async function reserve(scope: Scope, key: string, max: number, at: Date): Promise<Reservation> {
    const stamp = at.toISOString();
    const floor = new Date(at.getTime() - windowMs).toISOString();
    // Inside DO UPDATE every column reads the row as it was: one statement, no read-modify-write in JS.
    // The row is named through the builder, so that the app's schema qualifies it.
    const t = (column: 'signups' | 'window_started_at') => sql.ref(`web_signup_limit.${column}`);
    const expired = sql`${t('window_started_at')} <= ${floor}`;
    const row = await db
      .insertInto('web_signup_limit')
      .values({ key_hash: key, scope, signups: 1, window_started_at: stamp })
      .onConflict((oc) =>
        oc.column('key_hash').doUpdateSet({
          signups: sql<number>`case when ${expired} then 1 when ${t('signups')} >= ${max} then ${max + 1} else ${t('signups')} + 1 end`,
          window_started_at: sql<string>`case when ${expired} then ${stamp} else ${t('window_started_at')} end`,
        }),
      )
      .returning(['signups', 'window_started_at'])
      .executeTakeFirstOrThrow();
    return { scope, key, max, signups: Number(row.signups), windowStartedAt: row.window_started_at };
  }

  /** Give a place back, in the same window only. */
  async function refund(r: Reservation): Promise<void> {
    await db
      .updateTable('web_signup_limit')
      .set({ signups: sql`signups - 1` })
      .where('key_hash', '=', r.key)
      .where('window_started_at', '=', r.windowStartedAt)
      .where('signups', '>', 0)
      .execute();
  }

  function refused(r: Reservation, at: Date): SignUpLimitOutcome<never> {
    const ends = Date.parse(r.windowStartedAt) + windowMs;
    return { outcome: 'limited', retryAfterSeconds: Math.max(1, Math.ceil((ends - at.getTime()) / 1000)) };
  }

  return {
    async guard(client, attempt) {
      const at = now();
      const taken: Reservation[] = [];
      // The client first: one client over its own limit must not spend the global count.
      if (client !== undefined) {
        const own = await reserve('client', signUpKey('client', client), settings.maxPerClient, at);
        if (own.signups > own.max) return refused(own, at);
        taken.push(own);
      }
      const all = await reserve('all', signUpKey('all'), settings.maxPerWindow, at);
      if (all.signups > all.max) {
        for (const r of taken) await refund(r);
        return refused(all, at);
      }
      taken.push(all);
      for (const r of taken) {
        if (r.signups === r.max) {
          // A client's key hash prefix follows one address through the log; the address stays out of it.
          opts.logger.warn(
            {
              event: 'signup.limit_reached',
              scope: r.scope,
              ...(r.scope === 'client' && { key: r.key.slice(0, 8) }),
              signups: r.max,
              windowMinutes: settings.windowMinutes,
            },
            'sign-up limit reached for this window',
          );
        }
      }
      try {
        return { outcome: 'ok', value: await attempt() };
      } catch (err) {
        for (const r of taken) await refund(r).catch(() => {});
        throw err;
      }
    },
  };
}
