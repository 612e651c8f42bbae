import { dayOffset } from '../data/transactions.js';
import { sendItemWebhook, type WebhookContext } from '../routes/send-webhook.js';
import { transactionsUpdateWebhook, syncUpdatesWebhook } from '../webhooks/bodies.js';
import { appendHistory, historyEntries, type LedgerEntry } from './ledger.js';
import type { ItemRecord } from './sandbox-store.js';

/** Plaid's timing, opt-in: how long after initialization the first 30 days, then the whole history, are ready. */
export interface PullTiming {
  /** 0 (the default) means instant: the whole history exists the moment Transactions is initialized. */
  initialMs: number;
  historicalMs: number;
}

/** Initializes Items' Transactions product and completes their first pull on time. */
export interface TransactionsPulls {
  /** Initializes Transactions on an Item now (at creation or on first call). */
  start(item: ItemRecord): void;
  /** Completes every pull stage that is due by the clock, sending its webhooks. Cheap when none is pending. */
  tick(): void;
  /** Stops the timers (the pending state stays in the store). */
  close(): void;
}

const RECENT_DAYS = 30;

/**
 * Instant by default, as developers want. With timing, an Item's Transactions start
 * `NOT_READY` (empty sync page, PRODUCT_NOT_READY from `/transactions/get`); after
 * `initialMs` the last 30 days arrive (INITIAL_UPDATE), after `historicalMs` the rest
 * (HISTORICAL_UPDATE), each followed by SYNC_UPDATES_AVAILABLE when the Item has called
 * `/transactions/sync` (Plaid sends that one only then). Due-ness is judged by the
 * injected clock; real timers only prompt a check, so a test with a fake clock moves the
 * clock and calls `tick()` (every API request also ticks first).
 *
 * @example
 * const pulls = createTransactionsPulls({ ...ctx, timing: { initialMs: 2000, historicalMs: 4000 }, afterChange });
 * pulls.start(item);
 */
export function createTransactionsPulls(
  deps: WebhookContext & { timing: PullTiming; afterChange: () => void; setTimer?: typeof setTimeout },
): TransactionsPulls {
  const { store, now, timing } = deps;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const pending = new Set<string>();
  const setTimer = deps.setTimer ?? setTimeout;

  const schedule = (dueAt: number): void => {
    const timer = setTimer(
      () => {
        timers.delete(timer);
        // Timers run on the event loop's cached clock and can fire a few ms before the
        // wall clock reaches `dueAt` (more on a loaded machine): then wait the rest.
        if (now().getTime() < dueAt) return schedule(dueAt);
        tick();
        deps.afterChange();
      },
      Math.max(0, dueAt - now().getTime()),
    );
    timer.unref?.();
    timers.add(timer);
  };

  const chunks = (item: ItemRecord): { all: LedgerEntry[]; recent: LedgerEntry[]; older: LedgerEntry[]; total: number } => {
    const createdAt = new Date(item.createdAt);
    const all = historyEntries(item.itemId, item.username, item.accounts, createdAt);
    const cutoff = dayOffset(createdAt, RECENT_DAYS);
    const isRecent = (e: LedgerEntry) => 'date' in e.tx && e.tx.date >= cutoff;
    return { all, recent: all.filter(isRecent), older: all.filter((e) => !isRecent(e)), total: all.length };
  };

  const advance = (item: ItemRecord): void => {
    const state = item.transactions;
    if (!state || item.removed || state.status === 'HISTORICAL_UPDATE_COMPLETE') {
      pending.delete(item.itemId);
      return;
    }
    const started = Date.parse(state.startedAt);
    const at = now();
    if (state.status === 'NOT_READY' && at.getTime() >= started + timing.initialMs) {
      const { recent, total } = chunks(item);
      appendHistory(item.ledger, recent, total);
      state.status = 'INITIAL_UPDATE_COMPLETE';
      state.initialAt = at.toISOString();
      store.touch();
      void sendItemWebhook(deps, item, transactionsUpdateWebhook(item, 'INITIAL_UPDATE', recent.length));
      if (item.syncCalled) void sendItemWebhook(deps, item, syncUpdatesWebhook(item));
    }
    if (state.status === 'INITIAL_UPDATE_COMPLETE' && at.getTime() >= started + timing.historicalMs) {
      const { older, total } = chunks(item);
      appendHistory(item.ledger, older, total);
      state.status = 'HISTORICAL_UPDATE_COMPLETE';
      state.historicalAt = at.toISOString();
      store.touch();
      void sendItemWebhook(deps, item, transactionsUpdateWebhook(item, 'HISTORICAL_UPDATE', total));
      if (item.syncCalled) void sendItemWebhook(deps, item, syncUpdatesWebhook(item));
      pending.delete(item.itemId);
    }
  };

  const tick = (): void => {
    for (const itemId of [...pending]) {
      const item = store.item(itemId);
      if (item) advance(item);
      else pending.delete(itemId);
    }
  };

  // A persisted sandbox restarted mid-pull picks its pulls up again.
  for (const item of store.items()) {
    if (item.transactions && item.transactions.status !== 'HISTORICAL_UPDATE_COMPLETE' && !item.removed) {
      pending.add(item.itemId);
      schedule(Date.parse(item.transactions.startedAt) + timing.historicalMs);
    }
  }

  return {
    start(item) {
      const at = now();
      const startedAt = at.toISOString();
      if (timing.initialMs <= 0) {
        const { all, total } = chunks(item);
        appendHistory(item.ledger, all, total);
        item.transactions = { status: 'HISTORICAL_UPDATE_COMPLETE', startedAt, initialAt: startedAt, historicalAt: startedAt };
      } else {
        item.transactions = { status: 'NOT_READY', startedAt, initialAt: null, historicalAt: null };
        pending.add(item.itemId);
        schedule(at.getTime() + timing.initialMs);
        schedule(at.getTime() + timing.historicalMs);
      }
      store.touch();
    },
    tick,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
