// What the benchmark scripts share: a token of Plaid's shape, percentiles, and
// the closed loop of `workers` callers sharing `ops` operations.
import { randomBytes } from 'node:crypto';

/** A random string in the shape of a Plaid sandbox access token (never a real one). */
export function fakeToken() {
  const h = randomBytes(16).toString('hex');
  return `access-sandbox-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The p-th percentile of an ascending array (nearest rank). */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * `workers` loops sharing `ops` operations, each `fn(arg(n))` timed.
 * Returns the latencies in µs, sorted, and the wall time in ms.
 */
export async function closedLoop(fn, ops, workers, arg = (n) => n) {
  let next = 0;
  const lat = new Float64Array(ops);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < ops) {
        const n = next++;
        const t0 = performance.now();
        await fn(arg(n));
        lat[n] = (performance.now() - t0) * 1000;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  lat.sort();
  return { lat, elapsedMs };
}
