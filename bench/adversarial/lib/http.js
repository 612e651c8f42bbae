// A raw HTTP client: the path goes out exactly as given (no normalisation of
// `..` or re-encoding, unlike fetch), any method token, any body bytes. Every
// exchange is kept so the leak scans can read what a caller received.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/**
 * @typedef {object} Exchange
 * @property {string} method
 * @property {string} path
 * @property {number} status 0 when the connection failed or timed out
 * @property {string} head status line and headers as received
 * @property {string} body the body as text (latin1 for binary)
 * @property {string | null} failure
 */

/** @type {Exchange[]} */
const seen = [];

/**
 * @param {string} base e.g. http://127.0.0.1:4100
 * @param {{ method?: string, path: string, headers?: Record<string, string>, body?: string | Buffer, timeoutMs?: number, fresh?: boolean }} req
 *   fresh: a connection of its own (a server may close one after refusing a request, and a kept-alive socket would fail the next)
 * @returns {Promise<Exchange>}
 */
export function send(base, req) {
  const url = new URL(base);
  const method = req.method ?? 'GET';
  return new Promise((resolve) => {
    /** @param {Exchange} ex */
    const done = (ex) => {
      seen.push(ex);
      resolve(ex);
    };
    /** @param {string} failure */
    const failed = (failure) => done({ method, path: req.path, status: 0, head: '', body: '', failure });
    let r;
    try {
      r = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: req.path,
          headers: req.headers ?? {},
          agent: req.fresh ? false : agent,
          timeout: req.timeoutMs ?? 15_000,
        },
        (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', () => failed('response aborted'));
          res.on('end', () => {
            const head = [`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`];
            for (let i = 0; i < res.rawHeaders.length; i += 2) head.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
            const body = Buffer.concat(chunks);
            done({
              method,
              path: req.path,
              status: res.statusCode ?? 0,
              head: head.join('\n'),
              body: body.toString('latin1'),
              failure: null,
            });
          });
        },
      );
    } catch (err) {
      // The client itself refused the request (e.g. a control character in the path).
      failed(`client refused: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (err) => failed(err.message));
    r.end(req.body);
  });
}

/** Parse an exchange's JSON body, or undefined. @param {Exchange} ex */
export function jsonOf(ex) {
  try {
    return JSON.parse(ex.body);
  } catch {
    return undefined;
  }
}

/** Every exchange made so far in this process, and forget them. */
export function takeExchanges() {
  return seen.splice(0);
}

/**
 * A backend's view of `plaid-vault serve`: the service key plus the user it acts for.
 * @param {string} base
 * @param {string} apiKey
 */
export function serveClient(base, apiKey) {
  /**
   * @param {string | null} userId null = no user header
   * @param {string} method
   * @param {string} path
   * @param {unknown} [json]
   */
  const call = (userId, method, path, json) =>
    send(base, {
      method,
      path,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(userId !== null && { 'x-plaid-vault-user': userId }),
        ...(json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  return {
    call,
    /** Link a sandbox bank for `userId` through the API; its item id. @param {string} userId */
    async link(userId) {
      const ex = await call(userId, 'POST', '/link/sandbox', {});
      const itemId = jsonOf(ex)?.itemId;
      if (ex.status !== 201 || typeof itemId !== 'string') throw new Error(`link failed: ${ex.status} ${ex.body.slice(0, 200)}`);
      return itemId;
    },
  };
}

export function closeAgent() {
  agent.destroy();
}
