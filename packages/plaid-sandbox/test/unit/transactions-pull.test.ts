import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../src/state/sandbox-store.js';
import { createTransactionsPulls } from '../../src/state/transactions-pull.js';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { WebhookSigner } from '../../src/webhooks/signer.js';

/** A timer queue the test fires by hand, as early or as late as it likes. */
function manualTimers() {
  const queue: (() => void)[] = [];
  const setTimer = ((fn: () => void) => {
    queue.push(fn);
    return { unref() {} } as unknown as ReturnType<typeof setTimeout>;
  }) as unknown as typeof setTimeout;
  return { setTimer, fireAll: () => queue.splice(0).forEach((fn) => fn()), pending: () => queue.length };
}

describe('first-pull timers', () => {
  it('a timer that fires before the clock reaches its due time waits for the rest instead of being lost', () => {
    let now = Date.parse('2026-03-15T12:00:00Z');
    const clock = () => new Date(now);
    const store = new SandboxStore();
    const spec = { institutionId: 'ins_109508', products: ['transactions'], consentedProducts: [], webhook: null, username: 'user_good' };
    const { item } = store.exchange(store.createPublicToken(spec, clock()), clock());
    const timers = manualTimers();
    const pulls = createTransactionsPulls({
      store,
      now: clock,
      webhooks: new WebhookDeliverer(new WebhookSigner(clock)),
      timing: { initialMs: 1000, historicalMs: 2000 },
      afterChange: () => {},
      setTimer: timers.setTimer,
    });
    pulls.start(item);
    expect(timers.pending()).toBe(2);

    // Both timers fire 5 ms early (the event loop's cached clock lags the wall clock).
    now += 995;
    timers.fireAll();
    expect(item.transactions?.status).toBe('NOT_READY');
    expect(timers.pending()).toBe(2);

    now += 5;
    timers.fireAll();
    expect(item.transactions?.status).toBe('INITIAL_UPDATE_COMPLETE');
    expect(timers.pending()).toBe(1);
    now += 1000;
    timers.fireAll();
    expect(item.transactions?.status).toBe('HISTORICAL_UPDATE_COMPLETE');
    expect(item.ledger.entries).toHaveLength(48);
    pulls.close();
  });
});
