/** Sign-up limit and password gate: settings from the environment, the gate itself, the forms' messages (no server, no database). */
import { describe, expect, it } from 'vitest';
import { authFormMessage } from '../src/error-messages.js';
import {
  DEFAULT_PASSWORD_GATE,
  PasswordGateFullError,
  createPasswordGate,
  isPasswordGateFull,
  passwordGateSettingsFrom,
} from '../src/server/auth/password-gate.js';
import { signUpLimitSettingsFrom } from '../src/server/auth/signup-limit-settings.js';

describe('sign-up limit settings', () => {
  it('defaults to 30 sign-ups in all and 5 per client per 10 minutes', () => {
    const s = signUpLimitSettingsFrom({});
    expect(s).toEqual({ maxPerWindow: 30, maxPerClient: 5, windowMinutes: 10 });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('reads every variable', () => {
    expect(signUpLimitSettingsFrom({ WEB_SIGNUP_MAX: '100', WEB_SIGNUP_MAX_PER_CLIENT: '3', WEB_SIGNUP_WINDOW_MINUTES: '60' })).toEqual({
      maxPerWindow: 100,
      maxPerClient: 3,
      windowMinutes: 60,
    });
  });

  it.each([
    ['WEB_SIGNUP_MAX', '0'],
    ['WEB_SIGNUP_MAX', 'lots'],
    ['WEB_SIGNUP_MAX_PER_CLIENT', '1.5'],
    ['WEB_SIGNUP_WINDOW_MINUTES', '-10'],
    ['WEB_SIGNUP_WINDOW_MINUTES', '99999'],
  ])('refuses %s=%s (fails closed rather than lifting the limit)', (name, value) => {
    expect(() => signUpLimitSettingsFrom({ [name]: value })).toThrow(name);
  });
});

describe('password gate settings', () => {
  it('defaults to 2 at once and 32 waiting, and reads both variables', () => {
    expect(passwordGateSettingsFrom({})).toEqual(DEFAULT_PASSWORD_GATE);
    expect(DEFAULT_PASSWORD_GATE).toEqual({ concurrency: 2, maxQueued: 32 });
    expect(passwordGateSettingsFrom({ WEB_SCRYPT_CONCURRENCY: '4', WEB_SCRYPT_QUEUE: '100' })).toEqual({ concurrency: 4, maxQueued: 100 });
  });

  it.each([
    ['WEB_SCRYPT_CONCURRENCY', '0'],
    ['WEB_SCRYPT_CONCURRENCY', '65'],
    ['WEB_SCRYPT_QUEUE', 'many'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => passwordGateSettingsFrom({ [name]: value })).toThrow(name);
  });
});

/** A task the test finishes by hand, recording when it started. */
function task(log: string[], name: string) {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => resolve(name);
    fail = reject;
  });
  return { run: () => (log.push(name), done), finish: () => finish(), fail: (err: Error) => fail(err) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('password gate', () => {
  it('runs at most `concurrency` at once, queues up to `maxQueued` in order, and refuses the rest at once', async () => {
    const gate = createPasswordGate({ concurrency: 2, maxQueued: 2 });
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((n) => task(started, n));
    const results = tasks.map((t) => gate.run(t.run));
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(gate.load).toEqual({ running: 2, queued: 2 });
    // The fifth finds the queue full: refused without running.
    const refused = gate.run(async () => 'e');
    await expect(refused).rejects.toBeInstanceOf(PasswordGateFullError);
    await refused.catch((err: unknown) => expect(isPasswordGateFull(err)).toBe(true));

    tasks[1]!.finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    tasks[0]!.fail(new Error('scrypt failed'));
    await expect(results[0]).rejects.toThrow('scrypt failed');
    await tick();
    // A failure frees its slot too.
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    tasks[2]!.finish();
    tasks[3]!.finish();
    expect(await Promise.all(results.slice(1))).toEqual(['b', 'c', 'd']);
    expect(gate.load).toEqual({ running: 0, queued: 0 });
  });

  it('hands the slot on in arrival order', async () => {
    const gate = createPasswordGate({ concurrency: 1, maxQueued: 3 });
    const started: string[] = [];
    const tasks = ['one', 'two', 'three', 'four'].map((n) => task(started, n));
    const results = tasks.map((t) => gate.run(t.run));
    const names = ['one', 'two', 'three', 'four'];
    for (let i = 0; i < tasks.length; i++) {
      await tick();
      // Only the one holding the slot has started, and it is the next in line.
      expect(started).toEqual(names.slice(0, i + 1));
      tasks[i]!.finish();
    }
    expect(await Promise.all(results)).toEqual(['one', 'two', 'three', 'four']);
    expect(started).toEqual(['one', 'two', 'three', 'four']);
  });
});

describe('password gate priorities', () => {
  it('hands a free slot to a waiting sign-in (first) before sign-ups that came earlier', async () => {
    const gate = createPasswordGate({ concurrency: 1, maxQueued: 3 });
    const started: string[] = [];
    const [holder, up1, up2, signIn] = ['holder', 'up1', 'up2', 'sign-in'].map((n) => task(started, n));
    const results = [gate.run(holder!.run), gate.run(up1!.run), gate.run(up2!.run), gate.run(signIn!.run, 'first')];
    await tick();
    expect(gate.load).toEqual({ running: 1, queued: 3 });
    holder!.finish();
    await tick();
    expect(started).toEqual(['holder', 'sign-in']);
    signIn!.finish();
    await tick();
    up1!.finish();
    await tick();
    up2!.finish();
    expect(await Promise.all(results)).toEqual(['holder', 'up1', 'up2', 'sign-in']);
    expect(started).toEqual(['holder', 'sign-in', 'up1', 'up2']);
  });

  it('counts both priorities against one queue bound', async () => {
    const gate = createPasswordGate({ concurrency: 1, maxQueued: 1 });
    const started: string[] = [];
    const holder = task(started, 'holder');
    const running = gate.run(holder.run);
    const waitingUp = gate.run(async () => 'up');
    await expect(gate.run(async () => 'sign-in', 'first')).rejects.toBeInstanceOf(PasswordGateFullError);
    holder.finish();
    expect(await Promise.all([running, waitingUp])).toEqual(['holder', 'up']);
  });
});

describe('auth form messages for the new codes', () => {
  it('says the server is busy, and how long to wait when sign-ups are limited', () => {
    expect(authFormMessage('busy')).toBe('The server is busy. Try again in a moment.');
    expect(authFormMessage('signup_limited', 7)).toBe('Too many accounts are being created right now. Try again in about 7 minutes.');
    expect(authFormMessage('signup_limited', NaN)).toBe('Too many accounts are being created right now. Try again later.');
  });
});
