/**
 * The reference app under hostile input, over HTTP against the production
 * server (`scripts/start.js`, as `npm start` runs it), with tight limits so
 * each one is reached: malformed percent-encoding and methods Next cannot
 * represent, form bodies sent chunked past 8 KiB (also one that never ends),
 * parallel sign-ups against the sign-up limit, parallel sign-ins against the
 * scrypt gate's bounded queue. Every answer is a 4xx or a redirect with a
 * stable code, and the server logs no stack trace.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR, ensureBuilt, freePort, startWebServer, type WebServer } from './helpers/web-server.js';

const SIGNUP_MAX = 6;
const SIGNUP_MAX_PER_CLIENT = 2;
const CLIENT_HEADER = 'x-test-client';
/** A stack frame as Node prints one: the sign of an unhandled error in the log. */
const STACK_FRAME = /^\s+at .+/m;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: WebServer;
let port: number;
let dir: string;
/** Accounts this file created: the sign-up limit is global, so every test's sign-ups count. */
let created = 0;

/**
 * One request with node:http (fetch refuses TRACE and cannot leave a body open).
 * `chunks` are written with chunked transfer encoding; `end: false` leaves the
 * body open and resolves on the answer alone.
 */
function send(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; chunks?: (string | Buffer)[]; end?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        if (opts.end === false) req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', (err) => (opts.end === false ? undefined : reject(err)));
    for (const chunk of opts.chunks ?? []) req.write(chunk);
    if (opts.end !== false) req.end();
  });
}

const formHeaders = (client: string, extra: Record<string, string> = {}) => ({
  origin: `http://127.0.0.1:${port}`,
  'content-type': 'application/x-www-form-urlencoded',
  [CLIENT_HEADER]: client,
  ...extra,
});

const form = (email: string, password: string) => new URLSearchParams({ email, password }).toString();

/** A form POST with a declared length, as a browser sends it. */
function post(path: string, body: string, client: string): Promise<Answer> {
  return send('POST', path, { headers: formHeaders(client, { 'content-length': String(Buffer.byteLength(body)) }), chunks: [body] });
}

const fresh = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;
let clients = 0;
/** A client address no other request in this file used (the per-client sign-up limit is 2). */
const freshClient = () => `10.0.${++clients >> 8}.${clients & 255}`;
const PASSWORD = 'a long enough passphrase';

async function signUp(email: string, client: string): Promise<Answer> {
  const r = await post('/auth/signup', form(email, PASSWORD), client);
  if (r.headers.location === '/dashboard') created++;
  return r;
}

const sessionCookie = (r: Answer) => (r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(join(REPO_DIR, 'test-artifacts'), { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'pv-web-hardening-'));
  port = await freePort();
  server = await startWebServer({
    port,
    logFile: join(REPO_DIR, 'test-artifacts', 'hardening-server.log'),
    env: {
      // The embedded emulator, SQLite and generated secrets in a temp dir.
      WEB_DATA_DIR: dir,
      WEB_CLIENT_IP_HEADER: CLIENT_HEADER,
      WEB_SIGNUP_MAX: String(SIGNUP_MAX),
      WEB_SIGNUP_MAX_PER_CLIENT: String(SIGNUP_MAX_PER_CLIENT),
      WEB_SIGNUP_WINDOW_MINUTES: '60',
      // One scrypt at a time and one waiting: a handful of parallel sign-ins fills the queue.
      WEB_SCRYPT_CONCURRENCY: '1',
      WEB_SCRYPT_QUEUE: '1',
      VAULT_LOG_LEVEL: 'info',
    },
  });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reference app under hostile input (production server, HTTP)', () => {
  let cookie = '';

  it('answers a path whose percent-encoding does not decode with 400, signed in or not', async () => {
    const r = await signUp(fresh('paths'), freshClient());
    expect(r.headers.location).toBe('/dashboard');
    cookie = sessionCookie(r);
    const paths = [
      '/api/items/%zz/accounts',
      '/api/items/%zz',
      '/api/%',
      '/items/%',
      '/items/%zz',
      '/items/%C0%AF',
      '/items/%zz/reconnect',
    ];
    for (const path of paths) {
      for (const headers of [{}, { cookie }] as Record<string, string>[]) {
        const answer = await send('GET', path, { headers });
        expect(answer.status, `GET ${path}`).toBe(400);
        if (path.startsWith('/api/')) expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_INPUT_INVALID' });
      }
    }
    const reconnect = await send('POST', '/items/%zz/reconnect', { headers: { cookie, origin: server.url } });
    expect(reconnect.status).toBe(400);
    // Well-formed paths are untouched: an encoded '%' is an id like any other.
    expect((await send('GET', '/api/items/%25/accounts', { headers: { cookie } })).status).toBe(404);
    expect((await send('GET', '/api/healthz')).status).toBe(200);
  });

  it('answers TRACE and other methods outside the allowed set with 405 and an Allow header', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'SEARCH']) {
      for (const path of ['/', '/signin', '/api/healthz', '/auth/signin', '/items/x', '/api/items/x/accounts']) {
        const answer = await send(method, path, { headers: { cookie } });
        expect(answer.status, `${method} ${path}`).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
        if (path.startsWith('/api/')) expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' });
      }
    }
  });

  it('stops reading a chunked sign-in or sign-up body at 8 KiB and answers 413', async () => {
    const padding = Array.from({ length: 64 }, () => `&pad=${'x'.repeat(1024)}`);
    for (const path of ['/auth/signin', '/auth/signup']) {
      // Valid fields first: without the cap the body would be read whole and the form processed.
      const chunked = await send('POST', path, {
        headers: formHeaders(freshClient()),
        chunks: [form(fresh('chunked'), PASSWORD), ...padding],
      });
      expect(chunked.status, path).toBe(413);
      expect(JSON.parse(chunked.body)).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
      // A declared length over the cap is refused the same way, before any of it is read.
      const big = form(fresh('declared'), PASSWORD) + padding.join('');
      expect((await post(path, big, freshClient())).status, path).toBe(413);
    }
  });

  it('answers 413 to a chunked body that passes 8 KiB and never ends', async () => {
    const answer = send('POST', '/auth/signin', {
      headers: formHeaders(freshClient()),
      chunks: [form(fresh('endless'), PASSWORD), ...Array.from({ length: 9 }, () => `&pad=${'x'.repeat(1024)}`)],
      end: false,
    });
    // A bound for the test to report, not a timing assertion: without the cap the server waits for the end forever.
    const stuck = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer to an endless body within 30 s')), 30_000),
    );
    const r = await Promise.race([answer, stuck]);
    expect(r.status).toBe(413);
  });

  it('still takes a chunked form under the cap', async () => {
    const email = fresh('small-chunked');
    const r = await send('POST', '/auth/signup', {
      headers: formHeaders(freshClient()),
      chunks: ['email=', encodeURIComponent(email), `&password=${PASSWORD}`],
    });
    expect(r.headers.location).toBe('/dashboard');
    created++;
  });

  it('queues password checks and answers busy when the queue is full; a sign-in after the burst works', async () => {
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => post('/auth/signin', form(fresh('nobody'), 'wrong password'), freshClient())),
    );
    const locations = answers.map((a) => a.headers.location);
    expect(answers.every((a) => a.status === 303)).toBe(true);
    expect(new Set(locations)).toEqual(new Set(['/signin?error=invalid', '/signin?error=busy']));
    const page = await fetch(`${server.url}/signin?error=busy`);
    expect(await page.text()).toContain('The server is busy. Try again in a moment.');

    const email = fresh('after-burst');
    expect((await signUp(email, freshClient())).headers.location).toBe('/dashboard');
    expect((await post('/auth/signin', form(email, PASSWORD), freshClient())).headers.location).toBe('/dashboard');
  });

  it('limits sign-ups from one client address', async () => {
    const client = freshClient();
    for (let i = 0; i < SIGNUP_MAX_PER_CLIENT; i++) expect((await signUp(fresh('client'), client)).headers.location).toBe('/dashboard');
    const refused = await signUp(fresh('client'), client);
    expect(refused.headers.location).toMatch(/^\/signup\?error=signup_limited&retry=(\d+)$/);
    const retry = Number(/retry=(\d+)/.exec(refused.headers.location!)![1]);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    const page = await fetch(`${server.url}${refused.headers.location}`);
    expect(await page.text()).toContain(`Too many accounts are being created right now. Try again in about ${retry} minutes.`);
  });

  it(`creates no more than ${SIGNUP_MAX} accounts in a window however many clients ask at once`, async () => {
    const before = created;
    // Distinct clients, so only the global count stands in the way; the rest are refused without scrypt.
    const burst = await Promise.all(Array.from({ length: 12 }, () => signUp(fresh('burst'), freshClient())));
    const locations = burst.map((a) => a.headers.location ?? '');
    for (const l of locations) expect(l).toMatch(/^\/dashboard$|^\/signup\?error=signup_limited&retry=\d+$|^\/signup\?error=busy$/);
    expect(locations.some((l) => l.startsWith('/signup?error=signup_limited'))).toBe(true);
    expect(created).toBeLessThanOrEqual(SIGNUP_MAX);
    expect(created).toBeGreaterThanOrEqual(before);
    // Sign-ups the gate turned away gave their place back: one at a time, the rest of the window's count is used.
    let last: Answer | undefined;
    for (let i = 0; i < SIGNUP_MAX && created < SIGNUP_MAX; i++) last = await signUp(fresh('fill'), freshClient());
    if (last) expect(last.headers.location).toBe('/dashboard');
    expect(created).toBe(SIGNUP_MAX);
    const email = fresh('over');
    expect((await signUp(email, freshClient())).headers.location).toMatch(/^\/signup\?error=signup_limited&retry=\d+$/);
    // Refused means not created.
    expect((await post('/auth/signin', form(email, PASSWORD), freshClient())).headers.location).toBe('/signin?error=invalid');
  });

  it('logged no stack trace', () => {
    const log = server.log();
    expect(log).not.toMatch(STACK_FRAME);
    expect(log).not.toContain('⨯');
  });
});
