import { describe, expect, it } from 'vitest';
import { SIMULATED_ERRORS } from '../../src/link/link-errors.js';
import { checkSandboxCredentials, SANDBOX_CREDENTIALS } from '../../src/link/sandbox-credentials.js';
import { SandboxApiError } from '../../src/http/plaid-error.js';

const failure = (username: string, password: string) => {
  try {
    checkSandboxCredentials(username, password);
  } catch (err) {
    if (err instanceof SandboxApiError) return err.toBody();
    throw err;
  }
  throw new Error(`${username} / ${password} signed in`);
};

describe('sandbox sign-in rules of the emulated Link', () => {
  it.each([
    ['user_good', 'pass_good', 'user_good'],
    ['user_transactions_dynamic', 'x', 'user_transactions_dynamic'],
    ['user_transactions_dynamic', 'pass_good', 'user_transactions_dynamic'],
  ])('%s / %s signs in with the %s data set', (username, password, dataSet) => {
    expect(checkSandboxCredentials(username, password)).toBe(dataSet);
  });

  it.each(Object.keys(SIMULATED_ERRORS))('user_good / error_%s fails with that code and a Plaid error body', (code) => {
    const body = failure('user_good', `error_${code}`);
    expect(body.error_code).toBe(code);
    expect(body.error_type).toBe(code.startsWith('INSTITUTION_') ? 'INSTITUTION_ERROR' : 'ITEM_ERROR');
    expect(body.display_message).toEqual(expect.any(String));
    expect(body.documentation_url).toBe(
      `https://plaid.com/docs/errors/${body.error_type === 'ITEM_ERROR' ? 'item' : 'institution'}/#${code.toLowerCase()}`,
    );
  });

  it.each([
    ['user_good', 'pass_bad'],
    ['user_good', ''],
    ['User_good', 'pass_good'],
    [' user_good', 'pass_good'],
    ['user_transactions_dynamic', ''],
    ['user_yuppie', 'pass_good'],
    ['user_good', 'error_item_locked'],
    ['user_good', 'error_toString'],
    ['user_good', 'error___proto__'],
    ['', ''],
  ])('%j / %j is INVALID_CREDENTIALS', (username, password) => {
    expect(failure(username, password).error_code).toBe('INVALID_CREDENTIALS');
  });

  it('lists what it honours, the error codes included', () => {
    const listed = SANDBOX_CREDENTIALS.map((c) => `${c.username} ${c.password} ${c.result}`).join('\n');
    for (const code of Object.keys(SIMULATED_ERRORS)) expect(listed).toContain(code);
    expect(listed).toContain('user_good pass_good');
  });
});
