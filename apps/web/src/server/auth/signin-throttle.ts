import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppDb } from '../app-database';
import type { SignInThrottleSettings } from './signin-throttle-settings';

/** What a throttled sign-in attempt came to. */
export type GuardOutcome<T> = { outcome: 'ok'; value: T } | { outcome: 'failed' } | { outcome: 'throttled'; retryAfterSeconds: number };

/** Pino-compatible; only `warn` is used (a lockout). */
export interface ThrottleLogger {
  warn(obj: object, msg?: string): void;
}

export interface SignInThrottle {
  /**
   * Run `attempt` (the password check) unless the account or the client is
   * locked; `undefined` from it is a failure. A locked key refuses without
   * calling `attempt`, so a lock costs no scrypt and says nothing about the password.
   * An attempt that throws gives its places back (it said nothing about the
   * password either) and the error propagates.
   */
  guard<T>(subject: { account: string; client?: string }, attempt: () => Promise<T | undefined>): Promise<GuardOutcome<T>>;
}

type Scope = 'account' | 'client';

interface Reservation {
  readonly scope: Scope;
  readonly key: string;
  readonly max: number;
  /** This attempt's number in the window: at most `max` may run, `max + 1` means refused. */
  readonly failures: number;
  readonly windowStartedAt: string;
  readonly lockedUntil: string | null;
}

/** The stored key for a normalized email or client address: SHA-256, domain-separated by scope. */
export function throttleKey(scope: Scope, value: string): string {
  return createHash('sha256').update(`${scope}:${value}`).digest('hex');
}

/**
 * Brute-force protection for sign-in, counted in the app database so every
 * instance shares it and a restart keeps it (docs/DECISIONS.md, "Sign-in throttle").
 *
 * Each attempt first reserves its place with one atomic upsert: the count goes
 * up before the password is checked, so concurrent guesses cannot all slip in
 * under the limit, and the attempt that reaches the limit sets the lock at
 * once. A success gives the place back: the account's row is deleted, the
 * client's count goes down by one (a success on one account must not wipe a
 * client's failures on others). Windows are fixed, from the first failure; an
 * expired lock starts a new one.
 *
 * @example
 * const throttle = createSignInThrottle(db, settings, { logger: console });
 * const r = await throttle.guard({ account: 'ann@example.com' }, () => checkPassword());
 * if (r.outcome === 'throttled') return tooMany(r.retryAfterSeconds);
 */
export function createSignInThrottle(
  db: AppDb,
  settings: SignInThrottleSettings,
  opts: { logger: ThrottleLogger; now?: () => Date },
): SignInThrottle {
  const now = opts.now ?? (() => new Date());
  const windowMs = settings.windowMinutes * 60_000;
  const lockMs = settings.lockMinutes * 60_000;

  async function reserve(scope: Scope, value: string, max: number, at: Date): Promise<Reservation> {
    const key = throttleKey(scope, value);
    const stamp = at.toISOString();
    const floor = new Date(at.getTime() - windowMs).toISOString();
    const until = new Date(at.getTime() + lockMs).toISOString();
    const lockOnFirst = max <= 1 ? sql<string | null>`${until}` : sql<string | null>`null`;
    // Inside DO UPDATE every column reads the row as it was: one statement, no read-modify-write in JS.
    // The row is named through the builder, so that the app's schema qualifies it.
    const t = (column: 'failures' | 'window_started_at' | 'locked_until') => sql.ref(`web_signin_throttle.${column}`);
    // A new window starts when the lock has run out, or (unlocked) when the window has.
    const reset = sql`((${t('locked_until')} is not null and ${t('locked_until')} <= ${stamp})
      or (${t('locked_until')} is null and ${t('window_started_at')} <= ${floor}))`;
    const row = await db
      .insertInto('web_signin_throttle')
      .values({ key_hash: key, scope, failures: 1, window_started_at: stamp, locked_until: lockOnFirst })
      .onConflict((oc) =>
        oc.column('key_hash').doUpdateSet({
          failures: sql<number>`case when ${reset} then 1 when ${t('failures')} >= ${max} then ${max + 1} else ${t('failures')} + 1 end`,
          window_started_at: sql<string>`case when ${reset} then ${stamp} else ${t('window_started_at')} end`,
          locked_until: sql<string | null>`case
            when ${reset} then ${lockOnFirst}
            when ${t('locked_until')} is null and ${t('failures')} + 1 >= ${max} then ${until}
            else ${t('locked_until')} end`,
        }),
      )
      .returning(['failures', 'window_started_at', 'locked_until'])
      .executeTakeFirstOrThrow();
    return { scope, key, max, failures: Number(row.failures), windowStartedAt: row.window_started_at, lockedUntil: row.locked_until };
  }

  /** Give a reservation back (same window only), and lift the lock if the count is under the limit again. */
  async function refund(r: Reservation): Promise<void> {
    await db
      .updateTable('web_signin_throttle')
      .set({
        failures: sql`failures - 1`,
        locked_until: sql`case when failures - 1 < ${r.max} then null else locked_until end`,
      })
      .where('key_hash', '=', r.key)
      .where('window_started_at', '=', r.windowStartedAt)
      .where('failures', '>', 0)
      .execute();
  }

  function refused(r: Reservation, at: Date): GuardOutcome<never> {
    const until = r.lockedUntil ? Date.parse(r.lockedUntil) : at.getTime() + lockMs;
    return { outcome: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - at.getTime()) / 1000)) };
  }

  return {
    async guard(subject, attempt) {
      const at = now();
      const account = await reserve('account', subject.account, settings.maxFailures, at);
      if (account.failures > account.max) return refused(account, at);
      let client: Reservation | undefined;
      if (subject.client !== undefined) {
        client = await reserve('client', subject.client, settings.maxFailuresPerClient, at);
        if (client.failures > client.max) {
          // Refused before any password check: the account's place was not used.
          await refund(account);
          return refused(client, at);
        }
      }
      let value: Awaited<ReturnType<typeof attempt>>;
      try {
        value = await attempt();
      } catch (err) {
        // No answer about the password came of it (e.g. the password gate was full): give the places back.
        for (const r of client ? [account, client] : [account]) await refund(r).catch(() => {});
        throw err;
      }
      if (value !== undefined) {
        await db.deleteFrom('web_signin_throttle').where('key_hash', '=', account.key).execute();
        if (client) await refund(client);
        return { outcome: 'ok', value };
      }
      for (const r of client ? [account, client] : [account]) {
        if (r.failures === r.max) {
          // The key hash's prefix is enough to follow one lockout through the log; the email stays out of it.
          opts.logger.warn(
            { event: 'signin.locked', scope: r.scope, key: r.key.slice(0, 8), failures: r.max, lockMinutes: settings.lockMinutes },
            'sign-in locked after repeated failures',
          );
        }
      }
      return { outcome: 'failed' };
    },
  };
}
