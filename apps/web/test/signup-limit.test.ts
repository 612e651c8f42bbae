/**
 * The sign-up limit against the app's real database, SQLite and PostgreSQL (a
 * fresh schema), and sign-up and sign-in through real sessions with a password
 * gate whose slots the test holds: "no scrypt when refused" is a call count.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDb } from '../src/server/app-database.js';
import { createPasswordGate } from '../src/server/auth/password-gate.js';
import { deriveSessionKey } from '../src/server/auth/session-cookie.js';
import { createSessions } from '../src/server/auth/sessions.js';
import { createSignInThrottle, throttleKey } from '../src/server/auth/signin-throttle.js';
import { DEFAULT_SIGNIN_THROTTLE } from '../src/server/auth/signin-throttle-settings.js';
import { createSignUpLimit, signUpKey } from '../src/server/auth/signup-limit.js';
import { DEFAULT_SIGNUP_LIMIT, type SignUpLimitSettings } from '../src/server/auth/signup-limit-settings.js';
import { appDbBackends, manualClock, openTwoConnections, type TwoConnections } from './helpers/app-db-backends.js';
import { countingCheck } from './helpers/counting-check.js';

const backends = await appDbBackends('web sign-up limit');

const MINUTE = 60_000;
const fresh = (tag = 'new') => `${tag}-${randomBytes(4).toString('hex')}@example.com`;
const freshClient = () => `203.0.113.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`;

describe.each(backends)('sign-up limit on %s', (_name, ready, make) => {
  let conns: TwoConnections | undefined;
  let db: AppDb;
  let other: AppDb;

  beforeAll(async () => {
    if (!ready) return;
    conns = await openTwoConnections(make);
    ({ db, other } = conns);
  });

  afterAll(() => conns?.close());

  // Each test gets its own global count: the global row is one key, so the suite clears it between tests.
  async function setup(overrides: Partial<SignUpLimitSettings> = {}) {
    await db.deleteFrom('web_signup_limit').execute();
    const clock = manualClock();
    const warnings: object[] = [];
    const settings = { ...DEFAULT_SIGNUP_LIMIT, ...overrides };
    const build = (conn: AppDb) => createSignUpLimit(conn, settings, { now: clock.now, logger: { warn: (obj) => warnings.push(obj) } });
    return { clock, warnings, limit: build(db), second: build(other) };
  }

  const row = (key: string) => db.selectFrom('web_signup_limit').selectAll().where('key_hash', '=', key).executeTakeFirst();

  it.skipIf(!ready)('refuses sign-ups past the global limit without running the attempt, until the window ends', async () => {
    const { limit, clock, warnings } = await setup({ maxPerWindow: 3 });
    const attempt = countingCheck();
    for (let i = 0; i < 3; i++) expect(await limit.guard(undefined, attempt.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
    clock.advance(4 * MINUTE);
    expect(await limit.guard(undefined, attempt.succeed)).toEqual({ outcome: 'limited', retryAfterSeconds: 6 * 60 });
    expect(attempt.calls).toBe(3);
    expect(await row(signUpKey('all'))).toMatchObject({ scope: 'all', signups: 4 });
    expect(warnings).toEqual([expect.objectContaining({ event: 'signup.limit_reached', scope: 'all', signups: 3 })]);
    clock.advance(6 * MINUTE);
    expect(await limit.guard(undefined, attempt.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
    expect(await row(signUpKey('all'))).toMatchObject({ signups: 1 });
  });

  it.skipIf(!ready)('limits one client address, and a client over its limit spends none of the global count', async () => {
    const { limit } = await setup({ maxPerWindow: 10, maxPerClient: 2 });
    const attempt = countingCheck();
    const client = freshClient();
    for (let i = 0; i < 2; i++) expect((await limit.guard(client, attempt.succeed)).outcome).toBe('ok');
    for (let i = 0; i < 5; i++) expect((await limit.guard(client, attempt.succeed)).outcome).toBe('limited');
    expect(attempt.calls).toBe(2);
    expect(await row(signUpKey('all'))).toMatchObject({ signups: 2 });
    // The address is stored only as a hash; another client is not affected.
    expect(await row(signUpKey('client', client))).toMatchObject({ scope: 'client', signups: 3 });
    expect(JSON.stringify(await db.selectFrom('web_signup_limit').selectAll().execute())).not.toContain(client);
    expect((await limit.guard(freshClient(), attempt.succeed)).outcome).toBe('ok');
  });

  it.skipIf(!ready)('gives the client its place back when the global limit refuses', async () => {
    const { limit } = await setup({ maxPerWindow: 1, maxPerClient: 5 });
    const attempt = countingCheck();
    expect((await limit.guard(freshClient(), attempt.succeed)).outcome).toBe('ok');
    const client = freshClient();
    expect((await limit.guard(client, attempt.succeed)).outcome).toBe('limited');
    expect(await row(signUpKey('client', client))).toMatchObject({ signups: 0 });
  });

  it.skipIf(!ready)('lets exactly the limit through of 20 concurrent sign-ups from two connections', async () => {
    const { limit, second, warnings } = await setup({ maxPerWindow: 7 });
    const attempt = countingCheck();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? limit : second).guard(freshClient(), attempt.succeed)),
    );
    expect(attempt.calls).toBe(7);
    expect(outcomes.filter((o) => o.outcome === 'ok')).toHaveLength(7);
    expect(outcomes.filter((o) => o.outcome === 'limited')).toHaveLength(13);
    expect(warnings).toHaveLength(1);
  });

  it.skipIf(!ready)('gives the places back when the attempt throws', async () => {
    const { limit } = await setup({ maxPerWindow: 2 });
    const client = freshClient();
    for (let i = 0; i < 4; i++)
      await expect(limit.guard(client, () => Promise.reject(new Error('gate full')))).rejects.toThrow('gate full');
    expect(await row(signUpKey('all'))).toMatchObject({ signups: 0 });
    expect(await row(signUpKey('client', client))).toMatchObject({ signups: 0 });
    const attempt = countingCheck();
    for (let i = 0; i < 2; i++) expect((await limit.guard(freshClient(), attempt.succeed)).outcome).toBe('ok');
  });

  it.skipIf(!ready)(
    'real sessions: limited and busy sign-ups create nothing and run no scrypt; a busy sign-in counts no failure',
    async () => {
      await db.deleteFrom('web_signup_limit').execute();
      const logger = { warn() {} };
      // Holding the gate's only slot, with no room to queue: every password hash is refused as busy.
      const gate = createPasswordGate({ concurrency: 1, maxQueued: 1 });
      let scrypts = 0;
      const sessions = createSessions(db, deriveSessionKey(randomBytes(32)), {
        secure: true,
        throttle: createSignInThrottle(db, DEFAULT_SIGNIN_THROTTLE, { logger }),
        signUpLimit: createSignUpLimit(db, { ...DEFAULT_SIGNUP_LIMIT, maxPerWindow: 2 }, { logger }),
        gate,
        verify: async () => {
          scrypts++;
          return false;
        },
      });
      const users = async () =>
        Number(
          (
            await db
              .selectFrom('web_users')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await users();
      expect((await sessions.signUp(fresh(), 'a long enough passphrase')).ok).toBe(true);

      let release!: () => void;
      const held = gate.run(() => new Promise<void>((r) => (release = r)));
      const queued = gate.run(async () => {});
      const email = fresh('busy');
      expect(await sessions.signUp(email, 'a long enough passphrase')).toEqual({ ok: false, error: 'busy' });
      expect(await sessions.signIn(email, 'whatever it is')).toEqual({ ok: false, error: 'busy' });
      expect(scrypts).toBe(0);
      expect(
        await db.selectFrom('web_signin_throttle').selectAll().where('key_hash', '=', throttleKey('account', email)).executeTakeFirst(),
      ).toMatchObject({
        failures: 0,
      });
      release();
      await Promise.all([held, queued]);

      // The busy sign-up gave its place back: one more fits, then the limit (2) refuses without hashing.
      expect((await sessions.signUp(email, 'a long enough passphrase')).ok).toBe(true);
      const refused = await sessions.signUp(fresh('over'), 'a long enough passphrase');
      expect(refused).toMatchObject({ ok: false, error: 'limited' });
      expect(await users()).toBe(before + 2);
      // Input errors are answered before the limit and use none of it.
      expect(await sessions.signUp('not an email', 'a long enough passphrase')).toEqual({ ok: false, error: 'invalid_email' });
      expect(await sessions.signUp(fresh(), 'short')).toEqual({ ok: false, error: 'weak_password' });
    },
  );
});
