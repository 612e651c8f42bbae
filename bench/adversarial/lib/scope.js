// Clean-up and small shared helpers for one class: everything a class starts
// (processes, schemas, temp dirs) registers its undoing here, and the runner
// runs them in reverse order whatever happened.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function createScope() {
  /** @type {(() => unknown)[]} */
  const undo = [];
  return {
    /** @param {() => unknown} fn */
    defer(fn) {
      undo.push(fn);
    },
    /** A temp directory, removed at the end. @param {string} prefix */
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), `pv-adv-${prefix}-`));
      undo.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    async close() {
      for (const fn of undo.reverse()) {
        try {
          await fn();
        } catch (err) {
          console.error(`clean-up step failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      undo.length = 0;
    },
  };
}

/** @typedef {ReturnType<typeof createScope>} Scope */

/** A port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll `check` until it returns a truthy value, or throw after `ms`.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A seeded generator (mulberry32), so a fuzz run can be repeated with --seed.
 * @param {number} seed
 */
export function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** @param {number} n an integer in [0, n) */
    int: (n) => Math.floor(next() * n),
    /** @template T @param {readonly T[]} list @returns {T} */
    pick: (list) => /** @type {T} */ (list[Math.floor(next() * list.length)]),
  };
}
