import { describe, expect, it } from 'vitest';
import { createDeadlineSweeper, TIMED_OUT } from '../../src/cache/deadline.js';

describe('deadline sweeper', () => {
  it('rejects what outlives the deadline and passes through what does not', async () => {
    const sweeper = createDeadlineSweeper(20);
    const never = sweeper.bound(new Promise<never>(() => {}));
    const quick = sweeper.bound(new Promise<string>((resolve) => setTimeout(resolve, 1, 'ok')));
    const failing = sweeper.bound(Promise.reject(new Error('refused')));
    await expect(quick).resolves.toBe('ok');
    await expect(failing).rejects.toThrow('refused');
    await expect(never).rejects.toBe(TIMED_OUT);
    sweeper.close();
  });
});
