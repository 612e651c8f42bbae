/** When the audit log flushes: one flush at a time, at once, on the next turn, or after a delay. */
import { afterEach, describe, expect, it } from 'vitest';
import { FlushSchedule } from '../../src/audit/flush-schedule.js';

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('audit flush schedule', () => {
  const schedules: FlushSchedule[] = [];
  afterEach(() => {
    for (const s of schedules.splice(0)) s.cancel();
  });

  /** A schedule whose runs wait for release(); `ends` records each run's (ok, askedAgain). */
  function harness(fail = false) {
    let runs = 0;
    let open = 0;
    let maxOpen = 0;
    const releases: (() => void)[] = [];
    const ends: [boolean, boolean][] = [];
    const schedule = new FlushSchedule(
      () => {
        runs += 1;
        open += 1;
        maxOpen = Math.max(maxOpen, open);
        return new Promise<void>((resolve, reject) =>
          releases.push(() => {
            open -= 1;
            if (fail) reject(new Error('append failed'));
            else resolve();
          }),
        );
      },
      (ok, askedAgain) => ends.push([ok, askedAgain]),
    );
    schedules.push(schedule);
    return { schedule, ends, releases, runs: () => runs, maxOpen: () => maxOpen };
  }

  it('now() runs at once; asked again while running, it runs once more when that run ends, never two at a time', async () => {
    const h = harness();
    expect(h.schedule.idle).toBe(true);
    h.schedule.now();
    expect(h.runs()).toBe(1);
    expect(h.schedule.running).toBe(true);
    h.schedule.now();
    h.schedule.now();
    expect(h.runs()).toBe(1);
    h.releases.shift()!();
    await waitFor(() => h.ends.length === 1);
    expect(h.ends[0]).toEqual([true, true]);
    // The caller (the log) decides what follows; here it asks again.
    h.schedule.now();
    expect(h.runs()).toBe(2);
    h.releases.shift()!();
    await waitFor(() => h.ends.length === 2);
    expect(h.ends[1]).toEqual([true, false]);
    expect(h.maxOpen()).toBe(1);
    expect(h.schedule.idle).toBe(true);
  });

  it('a failed run ends with ok = false', async () => {
    const h = harness(true);
    h.schedule.now();
    h.releases.shift()!();
    await waitFor(() => h.ends.length === 1);
    expect(h.ends[0]).toEqual([false, false]);
    expect(h.schedule.running).toBe(false);
  });

  it('later() keeps the earlier of two delays unless told to replace it', async () => {
    const h = harness();
    h.schedule.later(5);
    h.schedule.later(60_000);
    expect(h.schedule.idle).toBe(false);
    await waitFor(() => h.runs() === 1);
    h.releases.shift()!();
    await waitFor(() => h.ends.length === 1);

    h.schedule.later(5);
    h.schedule.later(60_000, true);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.runs()).toBe(1);
    h.schedule.cancel();
    expect(h.schedule.idle).toBe(true);
  });

  it('soon() runs on the next turn of the event loop, in place of a pending timer', async () => {
    const h = harness();
    h.schedule.later(60_000);
    h.schedule.soon();
    h.schedule.later(1); // a flush is already due now: ignored
    await Promise.resolve();
    expect(h.runs()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(h.runs()).toBe(1);
    h.releases.shift()!();
    await waitFor(() => h.ends.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.runs()).toBe(1);
  });
});
