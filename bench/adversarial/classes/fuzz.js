// Fuzzed bad input against `plaid-vault serve` (SQLite, a linked sandbox
// item): seeded random requests built from the real routes with every part
// mangled (method, path and ids, query values, auth and user headers,
// content type, Origin, bodies: wrong JSON shapes, prototype keys, deep
// nesting, oversize, invalid UTF-8, truncation), plus malformed HTTP on a raw
// socket. Held = an answer below 500 (a raw malformed request may also be
// closed) with no secret or token-shaped string and no stack trace in it.
// Then two more attempts: the server still answers /healthz, and its log
// holds no secret. --seed changes the requests.
import { connect } from 'node:net';
import { idVariants, pathSegment } from '../lib/id-variants.js';
import { send } from '../lib/http.js';
import { createLeakScanner } from '../lib/leaks.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { startPlaid } from '../lib/services.js';
import { keyMaterial } from '../lib/vault-setup.js';

const STACK = /\bat .+[\\/].+\.(js|ts|mjs):\d+|node_modules|Error: .*\n\s+at /;

/** Malformed HTTP the server's parser must refuse without falling over. */
const RAW = [
  'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'POST /link/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}',
  'POST /link/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /link/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
  'GET /items HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
  `GET /items HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'GET /items\r\n\r\n',
  'GET /items HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
  '\r\n\r\n\r\n',
];

/** @param {string} base @param {string} raw */
function rawExchange(base, raw) {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => {});
    socket.end(raw);
  });
}

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'fuzz',
  label: 'fuzzed bad input against `serve` (0 5xx, 0 leaks)',
  budgetSeconds: { full: 60, quick: 25 },
  async run({ quick, random, scope, tally, overTime, log }) {
    const sandbox = await startPlaid(scope);
    const { dep, serve, api } = await servedDeployment(scope, { name: 'fuzz', dialect: 'sqlite', plaid: sandbox });
    const userId = 'fuzz-user';
    const itemId = await api.link(userId);
    const vault = await dep.openVault();
    const token = await vault.withToken({ userId, itemId, purpose: 'adversarial.setup' }, (t) => t.reveal());
    await vault.close();
    const leaks = createLeakScanner();
    leaks.add('access token', token);
    leaks.add('service key', dep.apiKey);
    leaks.add('Plaid secret', sandbox.secret);
    leaks.add('metrics token', dep.metricsToken);
    keyMaterial(dep.keys).forEach((k) => leaks.add('vault key', k));

    const ids = [itemId, ...idVariants(itemId).map(([, v]) => pathSegment(v)), '', '%zz', '%', '%c0%ae%c0%ae', 'x'.repeat(9000), '\u00e9'];
    const numbers = ['-1', '0', '1', '201', '1e9', 'abc', '', '1.5', '0x10', '9'.repeat(400), 'NaN', 'Infinity', '%00'];
    const cursors = ['', 'abc', "'", '%00', 'A'.repeat(2000), Buffer.from('\u00ff\u00fe').toString('base64'), '../..'];
    const seg = () => pathSegment(random.pick(ids));
    const paths = [
      () => '/items',
      () => `/items/${seg()}`,
      () => `/items/${seg()}/accounts`,
      () => `/items/${seg()}/transactions?cursor=${encodeURIComponent(random.pick(cursors))}`,
      () => `/items/${seg()}/rotate`,
      () => '/link/token',
      () => '/link/exchange',
      () => '/link/sandbox',
      () => '/webhooks/plaid',
      () => `/audit?limit=${random.pick(numbers)}&before=${random.pick(numbers)}`,
      () => '/metrics',
      () => '/healthz',
      () => `/${random.pick(['%', '%zz', '..', '.', '//items', 'items//', '\u00e9', 'admin', '.env', 'items/x/accounts/extra'])}`,
      () => `/items/${seg()}/accounts?${'a=1&'.repeat(random.int(300))}`,
    ];
    const str = () =>
      random.pick([
        '',
        'x',
        '\u0000',
        '\u{1f4a3}',
        "' OR 1=1 --",
        '<script>',
        'public-sandbox-00000000-0000-0000-0000-000000000000',
        'y'.repeat(300),
      ]);
    const bodies = [
      () => undefined,
      () => '{}',
      () => JSON.stringify({ itemId: str() }),
      () => JSON.stringify({ publicToken: str() }),
      () => JSON.stringify({ institutionId: str(), username: str() }),
      () => JSON.stringify({ itemId: random.int(1e9), publicToken: [null], extra: {} }),
      () => '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
      () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
      () => JSON.stringify({ itemId: 'z'.repeat(17 * 1024) }),
      () => 'a'.repeat(1 << 20),
      () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      () => '{"itemId":',
      () => random.pick(['null', '[]', '"s"', '123', 'true', '{"a":1,"a":2}', '{"publicToken":"public-sandbox-x"}']),
    ];
    const auth = () =>
      random.pick([
        `Bearer ${dep.apiKey}`,
        `Bearer ${dep.apiKey}`,
        `Bearer ${dep.apiKey}`,
        undefined,
        'Bearer',
        'Bearer pvk_x',
        `bearer ${dep.apiKey}`,
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Bearer ${dep.apiKey} extra`,
        `Bearer ${'k'.repeat(5000)}`,
      ]);
    const user = () => random.pick([userId, userId, 'someone-else', '', 'u'.repeat(300), '%00', 'caf%C3%A9', undefined]);
    const type = () =>
      random.pick([
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'APPLICATION/JSON',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        undefined,
      ]);

    const count = quick ? 120 : 411;
    let fiveXx = 0;
    let resets = 0;
    for (let i = 0; i < count && !overTime(); i++) {
      const method = random.pick(['GET', 'GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO']);
      const path = random.pick(paths)();
      const body = method === 'GET' || method === 'HEAD' ? undefined : random.pick(bodies)();
      /** @type {Record<string, string>} */
      const headers = {};
      const a = auth();
      const u = user();
      const t = type();
      if (a !== undefined) headers.authorization = a;
      if (u !== undefined) headers['x-plaid-vault-user'] = u;
      if (t !== undefined && body !== undefined) headers['content-type'] = t;
      if (random.next() < 0.2) headers.origin = random.pick(['http://evil.example', 'null', serve.url]);
      if (random.next() < 0.1) headers['plaid-verification'] = random.pick(['x.y.z', 'a'.repeat(3000), '']);
      const ex = await send(serve.url, { method, path, headers, fresh: true, ...(body !== undefined && { body }) });
      if (ex.status >= 500) fiveXx++;
      const text = `${ex.head}\n${ex.body}`;
      const found = leaks.scan(`${method} ${path.slice(0, 60)}`, text, { allow: [] });
      const stack = STACK.test(ex.body);
      // A server may refuse a large body by answering early and closing while the client still writes.
      const size = body === undefined ? 0 : Buffer.byteLength(body);
      const closedOnLargeBody = ex.status === 0 && size > 64 * 1024 && /ECONNRESET|EPIPE/.test(ex.failure ?? '');
      if (closedOnLargeBody) resets++;
      const ok = (closedOnLargeBody || (ex.status > 0 && ex.status < 500)) && found.length === 0 && !stack;
      tally.attempt(
        ok,
        `${method} ${path.slice(0, 80)} (${size}-byte body) -> ${ex.status || ex.failure}${found.length ? ` (${found.join('; ')})` : ''}${stack ? ' (stack trace)' : ''}`,
      );
    }
    for (const raw of RAW) {
      const answer = /** @type {string} */ (await rawExchange(serve.url, raw));
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      const found = leaks.scan('raw request', answer);
      // Closing the connection is a fine answer to bytes that are not HTTP.
      tally.attempt(status < 500 && found.length === 0 && !STACK.test(answer), `raw ${JSON.stringify(raw.slice(0, 40))} -> ${status}`);
    }
    const health = await send(serve.url, { path: '/healthz' });
    tally.attempt(health.status === 200 && serve.alive(), `serve stopped answering (healthz ${health.status})`);
    const logFindings = leaks.scan('serve log', serve.output());
    tally.attempt(logFindings.length === 0, `serve log: ${logFindings.join('; ')}`);
    const logged5xx = (serve.output().match(/request failed/g) ?? []).length;
    log(`${tally.tried} attempts, ${fiveXx} answered 5xx`);
    tally.note(
      `${tally.tried - RAW.length - 2} fuzzed requests (seeded) + ${RAW.length} malformed on a raw socket + healthz + log scan; ${fiveXx} answered 5xx, ${resets} 1 MiB bodies refused by closing the connection; ` +
        `${leaks.stats().checks} leak checks; ${logged5xx} "request failed" log lines`,
    );
  },
};
