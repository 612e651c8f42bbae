/**
 * The KV REST fixture (an Upstash-compatible endpoint in front of the real
 * Redis) driven by the real `@upstash/redis` client: the commands a KV tier
 * needs, the vault's own Lua scripts, pipelines, transactions, what the client
 * does to bytes, auth, and the headers it sends. Fault and timeout behaviour is
 * in kv-rest-fixture-faults.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FILL_IF_GENERATION, INVALIDATE, toScript } from '../../src/cache/redis-scripts.js';
import { dropNamespace, waitFor } from '../fixtures/cache-helpers.js';
import { defaultKvClient, kvClient } from '../fixtures/kv-rest-client.js';
import { createKvRestServer, UNAUTHORIZED_BODY, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { requireService, TEST_REDIS_URL, testNamespace } from '../helpers/services.js';

const redisOk = await requireService('redis', 'KV REST fixture');

describe.skipIf(!redisOk)('KV REST fixture with @upstash/redis', () => {
  const namespace = testNamespace('kvf');
  const prefix = `pv:${namespace}:`;
  let kv: KvRestServer;
  let n = 0;
  /** A fresh hash-tagged key pair per test, laid out like the vault's L2 keys. */
  const keys = () => {
    const hash = `h${++n}`;
    return { hash, value: `${prefix}{${hash}}`, generation: `${prefix}g:{${hash}}` };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${kv.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kv.token}`, ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    kv = await createKvRestServer();
  });
  beforeEach(() => kv.resetStats());
  afterAll(async () => {
    if (kv) await dropNamespace(kv.redis, namespace);
    await kv?.close();
  });

  it('runs GET, SET with EX, INCR and DEL against the real Redis', async () => {
    const client = kvClient(kv);
    const { value } = keys();
    expect(await client.set(value, 'v1', { ex: 60 })).toBe('OK');
    expect(await client.get(value)).toBe('v1');
    const ttl = await kv.redis.ttl(value);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    const counter = keys().value;
    expect(await client.incr(counter)).toBe(1);
    expect(await client.incr(counter)).toBe(2);
    expect(await client.del(value, counter)).toBe(2);
    expect(await client.get(value)).toBeNull();
    expect(kv.log.map((r) => [r.path, r.commands])).toEqual([
      ['/', ['set']],
      ['/', ['get']],
      ['/', ['incr']],
      ['/', ['incr']],
      ['/', ['del']],
      ['/', ['get']],
    ]);
  });

  it('by default turns numeric and JSON text into numbers and objects; automaticDeserialization: false keeps the text', async () => {
    const { value } = keys();
    await kv.redis.set(value, '1234');
    expect(await defaultKvClient(kv, { enableTelemetry: false }).get(value)).toBe(1234);
    expect(await kvClient(kv).get(value)).toBe('1234');
    await kv.redis.set(value, '{"a":1}');
    expect(await defaultKvClient(kv, { enableTelemetry: false }).get(value)).toEqual({ a: 1 });
    expect(await kvClient(kv).get(value)).toBe('{"a":1}');
  });

  it("runs the vault's Lua scripts on hash-tagged keys: EVAL, SCRIPT LOAD, EVALSHA", async () => {
    const client = kvClient(kv);
    const { hash, value, generation } = keys();
    const envelope = randomBytes(48).toString('base64');
    const fill = toScript(FILL_IF_GENERATION);
    const invalidate = toScript(INVALIDATE);
    expect(await client.eval(fill.source, [value, generation], [envelope, '', 60])).toBe(1);
    expect(await client.get(value)).toBe(envelope);
    expect(await client.scriptLoad(invalidate.source)).toBe(invalidate.sha);
    // Returns PUBLISH's receiver count: nobody listens here.
    expect(await client.evalsha(invalidate.sha, [value, generation], [`${prefix}inval`, hash, 60])).toBe(0);
    expect(await client.get(value)).toBeNull();
    expect(await client.get(generation)).toBe('1');
    // A fill that observed the old generation ('' = none) must not land.
    expect(await client.evalsha(await client.scriptLoad(fill.source), [value, generation], [envelope, '', 60])).toBe(0);
    expect(await client.evalsha(fill.sha, [value, generation], [envelope, '1', 60])).toBe(1);
    expect(await kv.redis.get(value)).toBe(envelope);
  });

  it('passes NOSCRIPT through, so the client falls back from EVALSHA to EVAL (plain and auto-pipelined)', async () => {
    // Scripts no one has loaded: the nonce makes each SHA new to the shared Redis.
    const fresh = () => `-- ${randomBytes(8).toString('hex')}\nreturn {KEYS[1], ARGV[1]}`;
    const { value } = keys();
    await expect(kvClient(kv).evalsha(toScript(fresh()).sha, [value], ['a'])).rejects.toThrow(/^NOSCRIPT/);
    for (const client of [kvClient(kv), kvClient(kv, { enableAutoPipelining: true })]) {
      const script = client.createScript<[string, string]>(fresh());
      kv.resetStats();
      expect(await script.exec([value], ['a'])).toEqual([value, 'a']);
      expect(kv.log.flatMap((r) => r.commands)).toEqual(['evalsha', 'eval']);
      kv.resetStats();
      expect(await script.exec([value], ['b'])).toEqual([value, 'b']);
      expect(kv.log.flatMap((r) => r.commands)).toEqual(['evalsha']);
    }
  });

  it('sends a pipeline as one /pipeline request; a failing command fails alone', async () => {
    const client = kvClient(kv);
    const [a, b] = [keys().value, keys().value];
    const replies = await client.pipeline().set(a, 'x').incr(b).incr(a).get(a).exec({ keepErrors: true });
    expect(replies.map((r) => r.result ?? r.error)).toEqual(['OK', 1, 'ERR value is not an integer or out of range', 'x']);
    expect(kv.log.map((r) => [r.path, r.commands])).toEqual([['/pipeline', ['set', 'incr', 'incr', 'get']]]);
    // Without keepErrors the whole exec() rejects, although the other commands ran.
    await expect(client.pipeline().incr(b).incr(a).exec()).rejects.toThrow(/Command 2 \[ incr \] failed/);
    expect(await kv.redis.get(b)).toBe('2');
  });

  it('gathers concurrent calls into one /pipeline request under the default automatic pipelining', async () => {
    const [a, b] = [keys().value, keys().value];
    await kv.redis.mset(a, 'A', b, 'B');
    const client = kvClient(kv, { enableAutoPipelining: true });
    expect(await Promise.all([client.get(a), client.get(b), client.get(keys().value)])).toEqual(['A', 'B', null]);
    expect(kv.log.map((r) => [r.path, r.commands])).toEqual([['/pipeline', ['get', 'get', 'get']]]);
  });

  it('runs /multi-exec as MULTI/EXEC: a command rejected while queuing discards the whole batch, unlike /pipeline', async () => {
    const client = kvClient(kv);
    const { value } = keys();
    expect(await client.multi().incr(value).incr(value).get(value).exec()).toEqual([1, 2, '2']);
    expect(kv.log.map((r) => [r.path, r.commands])).toEqual([['/multi-exec', ['incr', 'incr', 'get']]]);
    const batch = [
      ['SET', value, 'applied'],
      ['SET', value],
    ];
    const discarded = await post('/multi-exec', batch);
    expect(discarded.status).toBe(400);
    expect(((await discarded.json()) as { error: string }).error).toMatch(/^EXECABORT/);
    expect(await kv.redis.get(value)).toBe('2');
    const piped = await post('/pipeline', batch);
    expect(piped.status).toBe(200);
    expect(await piped.json()).toEqual([{ result: 'OK' }, { error: "ERR wrong number of arguments for 'set' command" }]);
    expect(await kv.redis.get(value)).toBe('applied');
  });

  it('mangles bytes that are not UTF-8 in the client, not the fixture; base64 text survives', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x41, ...randomBytes(32)]);
    const { value } = keys();
    await kv.redis.set(value, bytes);
    // The fixture's base64 is byte-exact...
    const raw = (await (await post('/', ['GET', value], { 'upstash-encoding': 'base64' })).json()) as { result: string };
    expect(Buffer.from(raw.result, 'base64').equals(bytes)).toBe(true);
    // ...the client decodes it as UTF-8 text, so invalid sequences become U+FFFD.
    const got = await kvClient(kv).get<string>(value);
    expect(got).toContain('\uFFFD');
    expect(Buffer.from(got!, 'utf8').equals(bytes)).toBe(false);
    // Nor can bytes be written: a JS string goes out as its UTF-8 encoding.
    await kvClient(kv).set(value, bytes.toString('latin1'));
    expect((await kv.redis.getBuffer(value))!.equals(bytes)).toBe(false);
    // Base64 text is plain ASCII both ways.
    await kvClient(kv).set(value, bytes.toString('base64'));
    expect(Buffer.from((await kvClient(kv).get<string>(value))!, 'base64').equals(bytes)).toBe(true);
  });

  it('answers a wrong or missing token with 401 and runs nothing; the error message echoes the command', async () => {
    const { value } = keys();
    const error = await kvClient(kv, { token: 'wrong-token' })
      .get(value)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.name).toBe('UpstashError');
    expect(error?.message).toMatch(/^WRONGPASS/);
    // Every non-2xx message carries the command, arguments included: a tier must never log it.
    expect(error?.message).toContain(value);
    const missing = await fetch(kv.url, { method: 'POST', body: JSON.stringify(['GET', value]) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(UNAUTHORIZED_BODY);
    expect(kv.stats()).toMatchObject({ requests: 2, unauthorized: 2, commands: 0 });
    const byQuery = await fetch(`${kv.url}/?_token=${kv.token}`, { method: 'POST', body: JSON.stringify(['GET', value]) });
    expect(await byQuery.json()).toEqual({ result: null });
  });

  it('sends telemetry and an empty first sync token by default; enableTelemetry: false and readYourWrites: false drop them', async () => {
    const { value } = keys();
    const chatty = defaultKvClient(kv);
    await chatty.set(value, 'x');
    await chatty.get(value);
    const [first, second] = kv.log;
    expect(first!.path).toBe('/pipeline');
    expect(first!.headers['upstash-telemetry-sdk']).toMatch(/^@upstash\/redis@v/);
    expect(first!.headers['upstash-encoding']).toBe('base64');
    expect(first!.headers['upstash-sync-token']).toBe('');
    // The token from the previous answer goes back with the next request.
    expect(second!.headers['upstash-sync-token']).toMatch(/^\d+$/);
    kv.resetStats();
    await kvClient(kv, { readYourWrites: false }).get(value);
    expect(Object.keys(kv.log[0]!.headers).filter((h) => /telemetry|sync-token/.test(h))).toEqual([]);
  });

  it('SCANs with MATCH and COUNT over pages until the cursor is back to "0"', async () => {
    const client = kvClient(kv);
    const scanPrefix = `${prefix}scan:`;
    const written = Array.from({ length: 40 }, (_, i) => `${scanPrefix}{k${i}}`);
    const pipeline = client.pipeline();
    for (const key of written) pipeline.set(key, 'v', { ex: 60 });
    await pipeline.exec();
    const found = new Set<string>();
    let cursor = '0';
    let pages = 0;
    do {
      const [next, page] = await client.scan(cursor, { match: `${scanPrefix}{*`, count: 10 });
      for (const key of page) found.add(key);
      cursor = String(next);
      pages += 1;
    } while (cursor !== '0');
    expect([...found].sort()).toEqual([...written].sort());
    expect(pages).toBeGreaterThan(1);
  });

  it('PUBLISHes to real subscribers; SUBSCRIBE is refused (no connection state over REST)', async () => {
    const channel = `${prefix}inval`;
    const listener = new Redis(TEST_REDIS_URL);
    const received: string[] = [];
    try {
      listener.on('message', (_channel: string, message: string) => received.push(message));
      await listener.subscribe(channel);
      const client = kvClient(kv);
      expect(await client.publish(channel, 'hash-1')).toBe(1);
      await waitFor(() => received.length === 1, 5000, 'published message');
      expect(received).toEqual(['hash-1']);
      await expect(client.exec(['SUBSCRIBE', channel])).rejects.toThrow(/not available: subscribe/);
    } finally {
      await listener.quit();
    }
  });

  it('refuses FLUSHDB and FLUSHALL: the Redis behind it is shared', async () => {
    const { value } = keys();
    await kv.redis.set(value, 'kept');
    await expect(kvClient(kv).flushdb()).rejects.toThrow(/not available: flushdb/);
    await expect(kvClient(kv).flushall()).rejects.toThrow(/not available: flushall/);
    expect(await kv.redis.get(value)).toBe('kept');
    expect(kv.stats().commands).toBe(0);
  });
});
