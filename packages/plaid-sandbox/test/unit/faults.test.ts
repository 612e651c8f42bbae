import { describe, expect, it } from 'vitest';
import { createFaults } from '../../src/faults/faults.js';

describe('fault switchboard', () => {
  it('is off by default', () => {
    const f = createFaults();
    expect([f.latencyMs(), f.takeError('/item/get'), f.takeDrop('/item/get')]).toEqual([0, undefined, false]);
  });

  it('failNext is consumed in order, per normalized path', () => {
    const f = createFaults();
    f.failNext('//item//get', 500, 2);
    f.failNext('/item/get', 429);
    expect([f.takeError('/item/get'), f.takeError('/item/get'), f.takeError('/item/get'), f.takeError('/item/get')]).toEqual([
      500,
      500,
      429,
      undefined,
    ]);
  });

  it('commitThenDrop counts down', () => {
    const f = createFaults();
    f.set({ commitThenDrop: { '/item/access_token/invalidate': 2 } });
    const drops = [1, 2, 3].map(() => f.takeDrop('/item/access_token/invalidate'));
    expect(drops).toEqual([true, true, false]);
    expect(f.takeDrop('/item/remove')).toBe(false);
  });

  it('error rates follow the seed and roughly the rate', () => {
    const draw = (seed: number) => {
      const f = createFaults();
      f.set({ errorRates: { '*': { status: 500, rate: 0.3 } }, seed });
      return Array.from({ length: 1000 }, () => f.takeError('/x') ?? 0);
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    const hits = draw(5).filter((s) => s === 500).length;
    expect(hits).toBeGreaterThan(200);
    expect(hits).toBeLessThan(400);
  });

  it('set merges keys, clear resets, bad settings are refused', () => {
    const f = createFaults();
    f.set({ latencyMs: 10 });
    f.set({ commitThenDrop: { '/a': 1 } });
    expect(f.current()).toEqual({ latencyMs: 10, commitThenDrop: { '/a': 1 } });
    f.clear();
    expect(f.current()).toEqual({});
    expect(() => f.set({ errorRates: { '/a': { status: 503 as never, rate: 1 } } })).toThrow(TypeError);
    expect(() => f.set({ errorRates: { '/a': { status: 500, rate: 2 } } })).toThrow(TypeError);
  });
});
