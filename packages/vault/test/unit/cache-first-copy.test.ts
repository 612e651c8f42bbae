/** The cluster bus' first-copy filter: one copy per publish passes; every mistake is a repeat, never a loss. */
import { describe, expect, it } from 'vitest';
import { createFirstCopy } from '../../src/cache/first-copy.js';

/** Feed `arrivals` (`message@subscriber`) and return the ones passed on. */
function run(arrivals: string[], opts: { listening?: string[]; now?: () => number; max?: number } = {}): string[] {
  const listening = opts.listening ?? ['a', 'b', 'c'];
  const first = createFirstCopy({ listening: () => listening, ...(opts.now && { now: opts.now }), ...(opts.max && { max: opts.max }) });
  return arrivals.filter((arrival) => {
    const [message, from] = arrival.split('@') as [string, string];
    return first.arrived(message, from);
  });
}

describe('createFirstCopy', () => {
  it.each<[string, string[], string[]]>([
    ['one publish, three copies', ['m@a', 'm@b', 'm@c'], ['m@a']],
    ['the relayed copy first', ['m@c', 'm@a', 'm@b'], ['m@c']],
    ['two messages interleaved', ['m@a', 'n@b', 'n@a', 'm@b', 'm@c', 'n@c'], ['m@a', 'n@b']],
    // The same item invalidated twice: each subscriber gets its copies in publish order.
    ['one message published twice', ['m@a', 'm@a', 'm@b', 'm@c', 'm@b', 'm@c'], ['m@a', 'm@a']],
    ['published twice, the second first seen elsewhere', ['m@a', 'm@b', 'm@c', 'm@b', 'm@a', 'm@c'], ['m@a', 'm@b']],
  ])('%s', (_name, arrivals, passed) => {
    expect(run(arrivals)).toEqual(passed);
  });

  it('a subscriber not listening when a copy passed owes nothing: its copy passes again (a repeat, not a loss)', () => {
    expect(run(['m@a', 'm@b', 'm@c'], { listening: ['a', 'b'] })).toEqual(['m@a', 'm@c']);
  });

  it('a subscriber whose connection was lost owes nothing: the next publish passes when it comes through it first', () => {
    const first = createFirstCopy({ listening: () => ['a', 'b'] });
    expect(first.arrived('m', 'a')).toBe(true);
    first.lost('b');
    expect(first.size).toBe(0);
    expect(first.arrived('m', 'b')).toBe(true);
    expect(first.arrived('m', 'a')).toBe(false);
  });

  it('forgets a debt after maxAgeMs: a copy that late passes again', () => {
    let t = 0;
    const first = createFirstCopy({ listening: () => ['a', 'b'], now: () => t });
    expect(first.arrived('m', 'a')).toBe(true);
    t = 5001;
    expect(first.arrived('m', 'b')).toBe(true);
  });

  it('forgets everything past max messages in debt', () => {
    const first = createFirstCopy({ listening: () => ['a', 'b'], max: 2 });
    for (const m of ['m1', 'm2', 'm3']) expect(first.arrived(m, 'a')).toBe(true);
    expect(first.size).toBe(0);
    expect(first.arrived('m1', 'b')).toBe(true);
  });

  it('every copy paid leaves nothing behind', () => {
    const first = createFirstCopy({ listening: () => ['a', 'b', 'c'] });
    for (const arrival of ['m@a', 'n@b', 'n@a', 'm@b', 'm@c', 'n@c']) {
      const [message, from] = arrival.split('@') as [string, string];
      first.arrived(message, from);
    }
    expect(first.size).toBe(0);
  });
});
