import { describe, expect, it } from 'vitest';
import { createDeadlineSweeper, TIMED_OUT } from '../../src/cache/deadline.js';

describe('deadline sweeper', () => {
  it('rejects what outlives the deadline and passes through what does not', async () => {
    const sweeper = createDeadlineSweeper(20);
    const never = sweeper.bound(new Promise<never>(() => {}));
    const quick = sweeper.bound(new Promise<string>((resolve) => setTimeout(resolve, 1, 'ok')));
    await expect(quick).resolves.toBe('ok');
    // Awaited as soon as it is made: a bound promise is always consumed at once by its caller.
    await expect(sweeper.bound(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(never).rejects.toBe(TIMED_OUT);
    sweeper.close();
  });
});
