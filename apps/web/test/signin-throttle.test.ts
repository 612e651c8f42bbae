/**
 * The sign-in throttle against the app's real database, SQLite and PostgreSQL
 * (a fresh schema), with the app's own migrations. The password check is an
 * injected function, so "no scrypt while locked" is a call count, not a timing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDb } from '../src/server/app-database.js';
import { verifyPassword } from '../src/server/auth/password.js';
import { deriveSessionKey } from '../src/server/auth/session-cookie.js';
import { createSessions } from '../src/server/auth/sessions.js';
import { createSignInThrottle, throttleKey, type GuardOutcome } from '../src/server/auth/signin-throttle.js';
import { DEFAULT_SIGNIN_THROTTLE, type SignInThrottleSettings } from '../src/server/auth/signin-throttle-settings.js';
import { createPasswordGate, DEFAULT_PASSWORD_GATE, PasswordGateFullError } from '../src/server/auth/password-gate.js';
import { createSignUpLimit } from '../src/server/auth/signup-limit.js';
import { DEFAULT_SIGNUP_LIMIT } from '../src/server/auth/signup-limit-settings.js';
import { appDbBackends, manualClock, openTwoConnections, type TwoConnections } from './helpers/app-db-backends.js';
import { countingCheck } from './helpers/counting-check.js';

const backends = await appDbBackends('web sign-in throttle');

const MINUTE = 60_000;
const fresh = (tag = 'user') => `${tag}-${randomBytes(4).toString('hex')}@example.com`;

describe.each(backends)('sign-in throttle on %s', (_name, ready, make) => {
  let conns: TwoConnections | undefined;
  let db: AppDb;
  let other: AppDb;

  beforeAll(async () => {
    if (!ready) return;
    conns = await openTwoConnections(make);
    ({ db, other } = conns);
  });

  afterAll(() => conns?.close());

  function setup(overrides: Partial<SignInThrottleSettings> = {}, on: AppDb = db) {
    const clock = manualClock();
    const warnings: { obj: object; msg?: string }[] = [];
    const settings = { ...DEFAULT_SIGNIN_THROTTLE, ...overrides };
    const make = (conn: AppDb) =>
      createSignInThrottle(conn, settings, { now: clock.now, logger: { warn: (obj, msg) => warnings.push({ obj, msg }) } });
    return { clock, warnings, throttle: make(on), make };
  }

  const row = (key: string) => db.selectFrom('web_signin_throttle').selectAll().where('key_hash', '=', key).executeTakeFirst();

  it.skipIf(!ready)('locks an email after 5 failures and then refuses without running the password check', async () => {
    const { throttle, warnings } = setup();
    const check = countingCheck();
    const email = fresh();
    for (let i = 0; i < 5; i++) expect(await throttle.guard({ account: email }, check.fail)).toEqual({ outcome: 'failed' });
    expect(check.calls).toBe(5);
    // The right password now changes nothing: it is never checked.
    const locked = await throttle.guard({ account: email }, check.succeed);
    expect(locked).toEqual({ outcome: 'throttled', retryAfterSeconds: 15 * 60 });
    expect(await throttle.guard({ account: email }, check.succeed)).toEqual(locked);
    expect(check.calls).toBe(5);
    // Another email is not affected.
    expect(await throttle.guard({ account: fresh() }, check.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
    // One warning, carrying the key hash's prefix and never the email.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ event: 'signin.locked', scope: 'account', key: throttleKey('account', email).slice(0, 8) });
    expect(JSON.stringify(warnings)).not.toContain(email);
  });

  it.skipIf(!ready)('stores only the SHA-256 of the email', async () => {
    const { throttle } = setup();
    const email = fresh();
    await throttle.guard({ account: email }, countingCheck().fail);
    const stored = await row(throttleKey('account', email));
    expect(stored).toMatchObject({ scope: 'account', failures: 1, locked_until: null });
    expect(stored!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    const all = await db.selectFrom('web_signin_throttle').selectAll().execute();
    expect(JSON.stringify(all)).not.toContain(email.split('@')[0]!);
  });

  it.skipIf(!ready)('lifts the lock after 15 minutes, and a new window starts', async () => {
    const { throttle, clock } = setup();
    const check = countingCheck();
    const email = fresh();
    for (let i = 0; i < 5; i++) await throttle.guard({ account: email }, check.fail);
    clock.advance(14 * MINUTE + 30_000);
    expect(await throttle.guard({ account: email }, check.succeed)).toEqual({ outcome: 'throttled', retryAfterSeconds: 30 });
    clock.advance(30_000);
    expect(await throttle.guard({ account: email }, check.fail)).toEqual({ outcome: 'failed' });
    expect(check.calls).toBe(6);
    expect(await row(throttleKey('account', email))).toMatchObject({ failures: 1, locked_until: null });
  });

  it.skipIf(!ready)('a success clears the count', async () => {
    const { throttle } = setup();
    const check = countingCheck();
    const email = fresh();
    for (let i = 0; i < 4; i++) await throttle.guard({ account: email }, check.fail);
    expect(await throttle.guard({ account: email }, check.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
    expect(await row(throttleKey('account', email))).toBeUndefined();
    for (let i = 0; i < 4; i++) expect(await throttle.guard({ account: email }, check.fail)).toEqual({ outcome: 'failed' });
    expect(check.calls).toBe(9);
  });

  it.skipIf(!ready)('counts failures within the window only', async () => {
    const { throttle, clock } = setup();
    const check = countingCheck();
    const email = fresh();
    for (let i = 0; i < 4; i++) await throttle.guard({ account: email }, check.fail);
    clock.advance(15 * MINUTE);
    // The first window is over: four more failures do not lock, the fifth of the new window does.
    for (let i = 0; i < 4; i++) expect(await throttle.guard({ account: email }, check.fail)).toEqual({ outcome: 'failed' });
    clock.advance(14 * MINUTE);
    expect(await throttle.guard({ account: email }, check.fail)).toEqual({ outcome: 'failed' });
    expect((await throttle.guard({ account: email }, check.succeed)).outcome).toBe('throttled');
    expect(check.calls).toBe(9);
  });

  it.skipIf(!ready)('gives both places back when the attempt throws (a full password gate): nothing is counted or locked', async () => {
    const { throttle } = setup({ maxFailuresPerClient: 6 });
    const check = countingCheck();
    const email = fresh();
    const client = '192.0.2.77';
    for (let i = 0; i < 4; i++) await throttle.guard({ account: email, client }, check.fail);
    const full = () => Promise.reject(new PasswordGateFullError());
    for (let i = 0; i < 3; i++)
      await expect(throttle.guard({ account: email, client }, full)).rejects.toBeInstanceOf(PasswordGateFullError);
    expect(await row(throttleKey('account', email))).toMatchObject({ failures: 4, locked_until: null });
    expect(await row(throttleKey('client', client))).toMatchObject({ failures: 4, locked_until: null });
    // The fifth real failure is still the one that locks.
    expect(await throttle.guard({ account: email, client }, check.fail)).toEqual({ outcome: 'failed' });
    expect((await throttle.guard({ account: email, client }, check.succeed)).outcome).toBe('throttled');
    expect(check.calls).toBe(5);
  });

  it.skipIf(!ready)('shares the count between instances: a lock set through one connection holds on another', async () => {
    const { throttle, make } = setup();
    const check = countingCheck();
    const email = fresh();
    for (let i = 0; i < 5; i++) await throttle.guard({ account: email }, check.fail);
    // A second app instance (its own pool), e.g. after a restart or behind the same load balancer.
    expect((await make(other).guard({ account: email }, check.succeed)).outcome).toBe('throttled');
    expect(check.calls).toBe(5);
  });

  it.skipIf(!ready)('counts every one of 40 concurrent failures from two connections', async () => {
    const { throttle, make } = setup({ maxFailures: 1000 });
    const second = make(other);
    const check = countingCheck();
    const email = fresh();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? throttle : second).guard({ account: email }, check.fail)));
    expect(check.calls).toBe(40);
    expect(await row(throttleKey('account', email))).toMatchObject({ failures: 40 });
  });

  it.skipIf(!ready)('lets exactly 5 of 12 concurrent guesses from two connections reach the password check', async () => {
    const { throttle, make, warnings } = setup();
    const second = make(other);
    const check = countingCheck();
    const email = fresh();
    const outcomes: GuardOutcome<string>[] = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? throttle : second).guard({ account: email }, check.fail)),
    );
    expect(check.calls).toBe(5);
    expect(outcomes.filter((o) => o.outcome === 'failed')).toHaveLength(5);
    expect(outcomes.filter((o) => o.outcome === 'throttled')).toHaveLength(7);
    expect(warnings).toHaveLength(1);
  });

  it.skipIf(!ready)('limits one client address across emails, and a success does not wipe its failures', async () => {
    const { throttle } = setup({ maxFailuresPerClient: 3 });
    const check = countingCheck();
    const client = `198.51.100.${randomBytes(1)[0]}`;
    await throttle.guard({ account: fresh(), client }, check.fail);
    await throttle.guard({ account: fresh(), client }, check.fail);
    // A success (say the attacker's own account) gives back only its own place.
    expect(await throttle.guard({ account: fresh(), client }, check.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
    await throttle.guard({ account: fresh(), client }, check.fail);
    expect(check.calls).toBe(4);
    const victim = fresh('victim');
    expect(await throttle.guard({ account: victim, client }, check.succeed)).toEqual({ outcome: 'throttled', retryAfterSeconds: 15 * 60 });
    expect(check.calls).toBe(4);
    // The refused attempt did not use up the victim's own allowance, and other clients are unaffected.
    expect(await row(throttleKey('account', victim))).toMatchObject({ failures: 0 });
    expect(await throttle.guard({ account: victim, client: '203.0.113.9' }, check.succeed)).toEqual({ outcome: 'ok', value: 'u_ok' });
  });

  it.skipIf(!ready)('locks a known and an unknown email alike, and runs no scrypt while locked (real sessions)', async () => {
    const { throttle } = setup();
    let scrypts = 0;
    const sessions = createSessions(db, deriveSessionKey(randomBytes(32)), {
      secure: true,
      throttle,
      signUpLimit: createSignUpLimit(db, DEFAULT_SIGNUP_LIMIT, { logger: { warn() {} } }),
      gate: createPasswordGate(DEFAULT_PASSWORD_GATE),
      verify: (password, stored) => {
        scrypts++;
        return verifyPassword(password, stored);
      },
    });
    const known = { email: fresh('known'), password: 'correct horse battery' };
    expect((await sessions.signUp(known.email, known.password)).ok).toBe(true);
    const unknown = fresh('nobody');
    const answers: Record<string, unknown[]> = { known: [], unknown: [] };
    for (const [label, email] of [
      ['known', known.email],
      ['unknown', unknown],
    ] as const) {
      // Case and spaces do not make a new key.
      for (let i = 0; i < 5; i++) answers[label]!.push(await sessions.signIn(i % 2 ? ` ${email.toUpperCase()} ` : email, 'wrong password'));
      answers[label]!.push(await sessions.signIn(email, known.password));
    }
    expect(scrypts).toBe(10);
    expect(answers.known).toEqual(answers.unknown);
    expect(answers.known!.at(-1)).toEqual({ ok: false, error: 'throttled', retryAfterSeconds: 15 * 60 });
    expect(answers.known!.slice(0, 5)).toEqual(Array(5).fill({ ok: false, error: 'invalid' }));
  });
});
