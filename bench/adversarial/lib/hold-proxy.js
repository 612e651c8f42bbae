// An HTTP proxy in front of plaid-sandbox that can hold Plaid's answer to one
// endpoint: the request reaches Plaid (which acts on it), and the answer waits
// here until released, as on a slow network after Plaid acted. A stand-in for
// the proxy fixture under packages/vault/test/fixtures/: anything with the
// same shape ({ url, hold(path), close() }) can replace it.
import { createServer, request } from 'node:http';

/**
 * @typedef {object} Hold
 * @property {Promise<void>} held resolves when Plaid has answered and the answer is being held
 * @property {() => void} release send the answer on (or disarm the hold if no request came)
 */

/**
 * @param {import('./scope.js').Scope} scope
 * @param {string} target the sandbox's base URL
 */
export async function startHoldProxy(scope, target) {
  const upstream = new URL(target);
  /** @type {Map<string, { resolveHeld: () => void, gate: Promise<void> }[]>} */
  const armed = new Map();
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          /** @type {Buffer[]} */
          const body = [];
          answer.on('data', (c) => body.push(c));
          answer.on('end', async () => {
            const hold = armed.get(req.url ?? '')?.shift();
            if (hold) {
              hold.resolveHeld();
              await hold.gate;
            }
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeAllConnections();
    });
  scope.defer(close);
  return {
    url: `http://127.0.0.1:${port}`,
    /**
     * Hold the next answer to `path` (e.g. `/item/access_token/invalidate`).
     * @param {string} path
     * @returns {Hold}
     */
    hold(path) {
      /** @type {() => void} */
      let resolveHeld = () => {};
      /** @type {() => void} */
      let release = () => {};
      const held = new Promise((resolve) => (resolveHeld = () => resolve(undefined)));
      const gate = new Promise((resolve) => (release = () => resolve(undefined)));
      const entry = { resolveHeld, gate: /** @type {Promise<void>} */ (gate) };
      armed.set(path, [...(armed.get(path) ?? []), entry]);
      return {
        held: /** @type {Promise<void>} */ (held),
        // Also disarms a hold no request reached.
        release: () => {
          armed.set(
            path,
            (armed.get(path) ?? []).filter((e) => e !== entry),
          );
          release();
        },
      };
    },
    close,
  };
}
