/**
 * A stand-in for the work a limit guards (a password check, a sign-up): it
 * counts its runs, so "refused without scrypt" is a call count, not a timing.
 * Each run yields for real, so concurrent attempts interleave inside the guard.
 */
export function countingCheck() {
  let calls = 0;
  const run = async (value: string | undefined): Promise<string | undefined> => {
    calls++;
    await new Promise((r) => setImmediate(r));
    return value;
  };
  return {
    get calls() {
      return calls;
    },
    /** A wrong password: undefined. */
    fail: () => run(undefined),
    /** The right password, or a created account: `u_ok`. */
    succeed: () => run('u_ok'),
  };
}
