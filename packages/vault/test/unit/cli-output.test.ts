/** The CLI's error line: one line, code and fix, only fixed messages, stack only with --debug. */
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../src/cli/output.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { KeyInUseError, StoreUnavailableError } from '../../src/errors.js';
import { sink } from '../helpers/text-sink.js';

function outputs(opts: { json: boolean; debug: boolean }) {
  const stdout = sink();
  const stderr = sink();
  const out = createOutput({ stdin: process.stdin, stdout, stderr, env: {} }, opts);
  return { out, stdout, stderr };
}

describe('CLI error output', () => {
  it('prints a VaultError as one line with its code, message and fix', () => {
    const { out, stderr, stdout } = outputs({ json: false, debug: false });
    expect(out.error(new KeyInUseError())).toBe('ERR_KEY_IN_USE');
    expect(stderr.text).toMatch(
      /^error ERR_KEY_IN_USE: The key still protects stored items; run rekey first — run plaid-vault rekey, then retire the key\n$/,
    );
    expect(stdout.text).toBe('');
  });

  it('never prints a foreign error message (a driver error may hold a password or a token)', () => {
    const { out, stderr } = outputs({ json: true, debug: false });
    const leaky = new Error('connect failed for postgres://app:hunter2@db/vault with access-sandbox-0000');
    expect(out.error(leaky)).toBe('ERR_INTERNAL');
    expect(stderr.text).not.toContain('hunter2');
    expect(stderr.text).not.toContain('access-sandbox');
    expect(stderr.text.trim().split('\n')).toHaveLength(1);
  });

  it('prints the stack and causes only with --debug, and JSON on stdout with --json', () => {
    const { out, stderr, stdout } = outputs({ json: true, debug: true });
    out.error(new StoreUnavailableError(undefined, { cause: new Error('ECONNREFUSED') }));
    expect(stderr.text).toMatch(/\n\s+at /);
    expect(stderr.text).toContain('caused by: Error: ECONNREFUSED');
    expect(JSON.parse(stdout.text)).toMatchObject({ ok: false, error: { code: 'ERR_STORE_UNAVAILABLE' } });
  });

  it.each([
    ['ERR_INPUT_INVALID', 2],
    ['ERR_CONFIG_INVALID', 3],
    ['ERR_CRYPTO_KEY_UNKNOWN', 3],
    ['ERR_STORE_UNAVAILABLE', 4],
    ['ERR_PLAID_UNREACHABLE', 4],
    ['ERR_KEY_IN_USE', 1],
    ['ERR_INTERNAL', 1],
  ])('%s exits %i', (code, exit) => expect(exitCodeFor(code)).toBe(exit));
});
