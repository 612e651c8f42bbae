/**
 * The buffered audit log over a real store (SQLite in memory); failures come
 * from a wrapper that delegates to it and throws on demand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, type AuditLog, type AuditLogOptions } from '../../src/audit/audit-log.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import type { NewAuditEvent } from '../../src/types/audit.js';
import { recordingLogger } from '../helpers/recording-logger.js';

/** Delegates to a real store; `failNext` appends throw ERR_STORE_UNAVAILABLE first. */
class FlakyStore {
  failNext = 0;
  batches: number[] = [];
  constructor(readonly inner: TokenStore) {}

  asStore(): TokenStore {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop === 'appendAudit') return (events: NewAuditEvent[]) => this.appendAudit(events);
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** While set, appends wait for it (a slow database). */
  gate: Promise<void> | undefined;
  /** While set, each append first waits this long on a timer: it ends only once the caller's loop yields, as over a network. */
  delayMs: number | undefined;

  async appendAudit(events: NewAuditEvent[]): Promise<void> {
    this.batches.push(events.length);
    if (this.gate) await this.gate;
    if (this.delayMs !== undefined) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new StoreUnavailableError();
    }
    await this.inner.appendAudit([...events]);
  }
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const SECRET_PURPOSE = 'purpose-text-not-for-logs';

function event(i: number): NewAuditEvent {
  return {
    actor: 'api',
    userId: 'u1',
    itemId: `item-${i}`,
    action: 'token.decrypt',
    purpose: SECRET_PURPOSE,
    outcome: 'ok',
    requestId: null,
  };
}

describe('audit log', () => {
  let store: TokenStore;
  let flaky: FlakyStore;
  let logger: ReturnType<typeof recordingLogger>;
  let now: Date;
  const logs: AuditLog[] = [];

  function open(opts: Partial<AuditLogOptions> = {}): AuditLog {
    const log = createAuditLog({ store: flaky.asStore(), clock: { now: () => now }, logger, flushIntervalMs: 60_000, ...opts });
    logs.push(log);
    return log;
  }

  const stored = () => store.listAudit({ limit: 1000 });

  beforeEach(async () => {
    store = createStore({ url: 'sqlite::memory:' });
    await store.migrate();
    flaky = new FlakyStore(store);
    logger = recordingLogger();
    now = new Date('2026-03-04T05:06:07.089Z');
  });

  afterEach(async () => {
    flaky.failNext = 0;
    flaky.delayMs = undefined;
    for (const log of logs.splice(0)) await log.close().catch(() => {});
    await store.close();
  });

  it('record is synchronous and only buffers; flush writes, stamped by the clock', async () => {
    const audit = open();
    expect(audit.record(event(1))).toBeUndefined();
    audit.record(event(2));
    await Promise.resolve();
    expect(await stored()).toHaveLength(0);
    expect(flaky.batches).toEqual([]);
    await audit.flush();
    const rows = await stored();
    expect(rows.map((e) => e.itemId)).toEqual(['item-2', 'item-1']);
    expect(rows.every((e) => e.at.getTime() === now.getTime())).toBe(true);
    expect(await store.verifyAudit()).toEqual({ ok: true, checked: 2 });
  });

  it('flushes on its own after the interval', async () => {
    const audit = open({ flushIntervalMs: 5 });
    audit.record(event(1));
    await waitFor(async () => (await stored()).length === 1);
    expect(flaky.batches).toEqual([1]);
  });

  it('writes in batches of maxBatch, and reaching it flushes at once', async () => {
    const audit = open({ maxBatch: 4 });
    for (let i = 0; i < 4; i++) audit.record(event(i));
    await waitFor(async () => (await stored()).length === 4);
    for (let i = 4; i < 10; i++) audit.record(event(i));
    await audit.flush();
    expect(flaky.batches).toEqual([4, 4, 2]);
    expect((await stored()).map((e) => e.itemId).reverse()).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`));
  });

  it('keeps events when the store fails, retries with back-off, logs one error per streak without contents', async () => {
    const audit = open({ flushIntervalMs: 2, maxRetryDelayMs: 20 });
    flaky.failNext = 3;
    for (let i = 0; i < 3; i++) audit.record(event(i));
    await waitFor(async () => (await stored()).length === 3);
    expect(flaky.batches.length).toBeGreaterThanOrEqual(4);
    expect((await stored()).map((e) => e.itemId).reverse()).toEqual(['item-0', 'item-1', 'item-2']);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', pending: 3 });
    expect(JSON.stringify(logger.entries)).not.toContain(SECRET_PURPOSE);
    expect(logger.entries.some((e) => e.level === 'info')).toBe(true);
  });

  it('flush() rejects while the store fails and writes each event exactly once after', async () => {
    const audit = open();
    flaky.failNext = 1;
    audit.record(event(1));
    audit.record(event(2));
    const err = await audit.flush().catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(await stored()).toHaveLength(0);
    await audit.flush();
    expect((await stored()).map((e) => e.itemId)).toEqual(['item-2', 'item-1']);
  });

  it('bounds the buffer during an outage: the oldest are dropped and counted', async () => {
    const audit = open({ maxBatch: 10, maxBuffered: 1000 });
    flaky.failNext = 1_000_000;
    for (let i = 0; i < 700; i++) audit.record(event(i));
    expect((await audit.flush().catch((e: { code?: string }) => e))?.code).toBe('ERR_STORE_UNAVAILABLE');
    for (let i = 700; i < 1500; i++) audit.record(event(i));
    flaky.failNext = 0;
    await audit.flush();
    const rows = await stored();
    expect(rows.length).toBeLessThanOrEqual(1000);
    expect(rows.length).toBeGreaterThan(900);
    expect(rows[0]!.itemId).toBe('item-1499');
    expect(rows.some((e) => e.itemId === 'item-0')).toBe(false);
    const dropped = logger.entries.find((e) => e.level === 'error' && 'dropped' in e.obj && !('code' in e.obj));
    expect(dropped?.obj).toMatchObject({ reason: 'buffer_full' });
    expect(audit.stats().dropped).toBe(1500 - rows.length);
  });

  it('list() and verify() flush first', async () => {
    const audit = open();
    audit.record(event(1));
    expect((await audit.list({ itemId: 'item-1' })).map((e) => e.action)).toEqual(['token.decrypt']);
    audit.record(event(2));
    expect(await audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('close() flushes, and later records are not written', async () => {
    const audit = open();
    audit.record(event(1));
    audit.record(event(2));
    await audit.close();
    expect(await stored()).toHaveLength(2);
    expect(() => audit.record(event(3))).not.toThrow();
    await audit.flush();
    expect(await stored()).toHaveLength(2);
  });
  it('leaves events recorded during a write to the next flush instead of looping on small batches', async () => {
    const log = open({ maxBatch: 500 });
    for (let i = 0; i < 3; i++) log.record(event(i));
    let release!: () => void;
    flaky.gate = new Promise<void>((r) => (release = r));
    const first = log.flush();
    await waitFor(() => flaky.batches.length === 1);
    for (let i = 3; i < 5; i++) log.record(event(i)); // arrive while the first batch is being written
    release();
    flaky.gate = undefined;
    await first;
    // Under steady load a drain that kept looping would write one tiny transaction after another.
    expect(flaky.batches).toEqual([3]);
    expect((await store.listAudit({ limit: 1000 })).length).toBe(3);
    await log.flush();
    expect(flaky.batches).toEqual([3, 2]);
    expect((await stored()).length).toBe(5);
  });
  it('stays loud while appends keep failing: an error per streak, counted in stats until a write succeeds', async () => {
    const audit = open({ flushIntervalMs: 2, maxRetryDelayMs: 5 });
    flaky.failNext = 4;
    audit.record(event(1));
    await waitFor(() => audit.stats().appendFailures >= 2);
    expect(audit.stats()).toMatchObject({ failing: true, lastErrorCode: 'ERR_STORE_UNAVAILABLE', pending: 1 });
    await waitFor(async () => (await stored()).length === 1);
    expect(audit.stats()).toMatchObject({ failing: false, lastErrorCode: null, pending: 0, appendFailures: 4, dropped: 0 });
    // A second outage is a second streak: a second error line.
    flaky.failNext = 2;
    audit.record(event(2));
    await waitFor(async () => (await stored()).length === 2);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors.map((e) => e.obj)).toEqual([
      expect.objectContaining({ code: 'ERR_STORE_UNAVAILABLE', failures: 1 }),
      expect.objectContaining({ code: 'ERR_STORE_UNAVAILABLE', failures: 1 }),
    ]);
    expect(logger.entries.filter((e) => e.level === 'info')).toHaveLength(2);
  });

  it('list() and verify() still answer from the store while a flush fails (the failure is counted)', async () => {
    const audit = open();
    audit.record(event(1));
    await audit.flush();
    flaky.failNext = 2;
    audit.record(event(2));
    expect((await audit.list()).map((e) => e.itemId)).toEqual(['item-1']);
    expect(await audit.verify()).toEqual({ ok: true, checked: 1 });
    expect(audit.stats()).toMatchObject({ appendFailures: 2, pending: 1, failing: true });
  });

  it('a loop that never yields still gets every event written: a full batch starts its append at once', async () => {
    // Each await resolves as a microtask, so no timer or immediate ever runs during the loop.
    const audit = open({ maxBatch: 50, maxBuffered: 500 });
    let timers = 0;
    const tick = setInterval(() => void timers++, 0);
    try {
      for (let i = 0; i < 5000; i++) {
        audit.record(event(i));
        await null;
      }
      expect(timers).toBe(0);
      // SQLite appends synchronously: all but the last (partial) batch is already stored.
      expect(audit.stats()).toMatchObject({ dropped: 0, failing: false });
      expect(audit.stats().pending).toBeLessThanOrEqual(50);
    } finally {
      clearInterval(tick);
    }
    await audit.flush();
    const rows = await store.listAudit({ limit: 1 });
    expect(rows[0]!.seq).toBe(5000);
    expect(await store.verifyAudit()).toEqual({ ok: true, checked: 5000 });
  });

  describe('back-pressure (buffered mode)', () => {
    /** A loop that never yields on its own, as withToken's callers may be: record, then wait if asked. */
    async function tightLoop(audit: AuditLog, from: number, to: number): Promise<number> {
      let waits = 0;
      for (let i = from; i < to; i++) {
        audit.record(event(i));
        const pressure = audit.backpressure();
        if (pressure) {
          waits += 1;
          await pressure;
        } else {
          await null;
        }
      }
      return waits;
    }

    it('past the high-water mark, callers wait for the append under way instead of losing events', async () => {
      const audit = open({ maxBatch: 20, maxBuffered: 200, highWater: 100 });
      // An asynchronous store (as PostgreSQL is): the append only ends once the loop yields.
      flaky.delayMs = 1;
      const waits = await tightLoop(audit, 0, 2000);
      flaky.delayMs = undefined;
      expect(waits).toBeGreaterThan(0);
      await audit.flush();
      expect(audit.stats()).toMatchObject({ dropped: 0, pending: 0 });
      expect((await store.listAudit({ limit: 1 }))[0]!.seq).toBe(2000);
    });

    it('is off while the store fails: buffered mode goes on without a record (dropped and counted)', async () => {
      const audit = open({ maxBatch: 20, maxBuffered: 200, highWater: 100, maxRetryDelayMs: 60_000 });
      flaky.failNext = 1_000_000;
      const waits = await tightLoop(audit, 0, 1000);
      expect(waits).toBe(0);
      expect(audit.stats().dropped).toBeGreaterThan(0);
      flaky.failNext = 0;
    });

    it('a hung append holds callers up for the timeout once, then not again until it ends', async () => {
      const audit = open({ maxBatch: 20, maxBuffered: 10_000, highWater: 100, backpressureTimeoutMs: 30 });
      let release!: () => void;
      flaky.gate = new Promise<void>((r) => (release = r));
      try {
        expect(await tightLoop(audit, 0, 1000)).toBe(1);
        expect(audit.backpressure()).toBeUndefined();
      } finally {
        release();
        flaky.gate = undefined;
      }
      await audit.flush();
      expect((await store.listAudit({ limit: 1 }))[0]!.seq).toBe(1000);
      expect(audit.stats().dropped).toBe(0);
    });
  });

  describe('strict mode', () => {
    it('recordDurable resolves only once its event is committed, sharing one append with its neighbours', async () => {
      const audit = open({ mode: 'strict', strictTimeoutMs: 5000 });
      let release!: () => void;
      flaky.gate = new Promise<void>((r) => (release = r));
      let done = 0;
      const all = [1, 2, 3].map((i) => audit.recordDurable(event(i)).then(() => void done++));
      await waitFor(() => flaky.batches.length === 1);
      expect(done).toBe(0);
      release();
      flaky.gate = undefined;
      await Promise.all(all);
      expect(flaky.batches).toEqual([3]);
      expect(await stored()).toHaveLength(3);
    });

    it('refuses at the deadline when the append hangs, then at once until an append succeeds; the events are written after', async () => {
      const audit = open({ mode: 'strict', strictTimeoutMs: 50 });
      let release!: () => void;
      flaky.gate = new Promise<void>((r) => (release = r));
      const first = await audit.recordDurable(event(1)).catch((e: unknown) => e);
      expect((first as { code?: string }).code).toBe('ERR_AUDIT_UNAVAILABLE');
      expect(() => audit.assertWritable()).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_UNAVAILABLE' }));
      const second = await audit.recordDurable(event(2)).catch((e: unknown) => e);
      expect((second as { code?: string }).code).toBe('ERR_AUDIT_UNAVAILABLE');
      expect(audit.stats()).toMatchObject({ failing: true, lastErrorCode: 'timeout', refused: 3 });
      expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
      release();
      flaky.gate = undefined;
      await waitFor(() => !audit.stats().failing);
      await audit.recordDurable(event(3));
      // The refused event that never reached the buffer (#2) is not written; #1 (recorded, then timed out) is.
      expect((await stored()).map((e) => e.itemId).reverse()).toEqual(['item-1', 'item-3']);
    });

    it('a failed append refuses every waiter at once; the events stay buffered and are written on recovery', async () => {
      const audit = open({ mode: 'strict', strictTimeoutMs: 5000, maxRetryDelayMs: 5 });
      flaky.failNext = 1;
      const refused = await Promise.all(
        [audit.recordDurable(event(1)), audit.recordDurable(event(2))].map((p) => p.catch((e: unknown) => e)),
      );
      expect(refused.map((e) => (e as { code?: string }).code)).toEqual(['ERR_AUDIT_UNAVAILABLE', 'ERR_AUDIT_UNAVAILABLE']);
      await waitFor(async () => (await stored()).length === 2);
      await audit.recordDurable(event(3));
      expect(audit.stats()).toMatchObject({ failing: false, refused: 2, appendFailures: 1 });
    });
  });
});
