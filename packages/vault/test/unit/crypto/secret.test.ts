import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/crypto/secret.js';

const TOKEN = 'access-sandbox-8ab976e8-8a2c-4e1b-b1b2-4c5d6e7f8a9b';

describe('Secret never prints', () => {
  const secret = new Secret(TOKEN);
  const renderings: [string, () => unknown][] = [
    ['String()', () => String(secret)],
    ['template literal', () => `${secret}`],
    ['concatenation', () => 'token=' + secret],
    ['JSON.stringify', () => JSON.stringify(secret)],
    ['JSON.stringify nested', () => JSON.stringify({ item: { token: secret }, list: [secret] })],
    ['util.inspect', () => inspect(secret)],
    ['util.inspect showHidden, deep', () => inspect({ a: { b: { c: secret } } }, { showHidden: true, depth: Infinity })],
    ['format %s', () => format('%s', secret)],
    ['format %o', () => format('%o', secret)],
    ['format %O', () => format('%O', secret)],
    ['format %j', () => format('%j', secret)],
    ['format %d', () => format('%d', secret)],
    ['format with no placeholder (console.log style)', () => format(secret, { secret })],
    ['Object.keys / entries', () => JSON.stringify([Object.keys(secret), Object.entries(secret)])],
    ['spread', () => inspect({ ...secret })],
    ['structuredClone', () => inspect(structuredClone(secret))],
    ['an Error message built from it', () => new Error(`failed with ${secret}`).message],
  ];

  it.each(renderings)('%s', (_name, render) => {
    const text = String(render());
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(15));
  });

  it.each(renderings.slice(0, 7))('%s shows [redacted]', (_name, render) => {
    expect(String(render())).toContain('[redacted]');
  });

  it('reveal() is the way out', () => {
    expect(secret.reveal()).toBe(TOKEN);
  });

  it('compares by value without revealing', () => {
    expect(secret.equals(new Secret(TOKEN))).toBe(true);
    expect(secret.equals(new Secret(`${TOKEN}x`))).toBe(false);
    expect(secret.equals(new Secret(''))).toBe(false);
  });
});
