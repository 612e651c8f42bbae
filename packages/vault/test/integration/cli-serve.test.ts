/**
 * The long-running commands through the real binary: `serve` (service API
 * keys, trusted user header, clean stop) on SQLite and PostgreSQL, its log
 * (VAULT_LOG_LEVEL; a 5xx when the database goes away, through a TCP proxy the
 * test cuts), and `sandbox` (the emulator answers the Plaid API).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProxy } from '../fixtures/tcp-proxy.js';
import { createTestSchema, fakeAccessToken, requireService, type TestSchema } from '../helpers/services.js';
import { CLI, ensureBuilt, errorCode, json, runCli, transcript } from './cli-harness.js';

const pgReady = await requireService('postgres', 'cli serve (postgres)');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

interface Running {
  child: ChildProcess;
  first: Record<string, string>;
  /** Everything on stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Start a long-running command with --json and wait for its first stdout line. */
async function start(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const first = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output: ${stderr}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, string>);
      }
    });
    void closed.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return {
    child,
    first,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const code = await closed;
      transcript.push(stdout, stderr);
      return code;
    },
  };
}

beforeAll(() => ensureBuilt(), 180_000);

describe.each([
  ['sqlite', true],
  ['postgres', pgReady],
] as const)('serve on %s', (dialect, enabled) => {
  let dir: string;
  let schema: TestSchema | undefined;
  let env: Record<string, string>;
  const token = fakeAccessToken();

  beforeAll(async () => {
    if (!enabled) return;
    dir = mkdtempSync(join(tmpdir(), 'pv-cli-serve-'));
    schema = dialect === 'postgres' ? await createTestSchema('cliserve') : undefined;
    env = {
      VAULT_KEYS: KEYS,
      VAULT_DATA_DIR: dir,
      ...(schema
        ? { VAULT_DATABASE_URL: schema.url, VAULT_DATABASE_SCHEMA: schema.schema }
        : { VAULT_DATABASE_URL: `sqlite:${join(dir, 'vault.db')}` }),
    };
    const imported = await runCli(['import'], {
      env,
      input: `${JSON.stringify({ userId: 'user-1', itemId: 'item-a', accessToken: token })}\n`,
    });
    expect(imported.code).toBe(0);
  });

  afterAll(async () => {
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!enabled)('refuses to start without VAULT_API_KEYS (exit 3)', async () => {
    const r = await runCli(['serve', '--port', '0'], { env });
    expect(r.code).toBe(3);
    expect(errorCode(r)).toBe('ERR_CONFIG_INVALID');
  });

  it.skipIf(!enabled)('answers a backend holding a service key for the user it names, and nobody else; stops on SIGTERM', async () => {
    const key = json<{ key: string; entry: string }>(await runCli(['apikey', '--id', 'billing', '--json']));
    const server = await start(['serve', '--port', '0'], {
      ...env,
      VAULT_API_KEYS: `other:sha256:${randomBytes(32).toString('base64url')},${key.entry}`,
    });
    let code: number | null = null;
    try {
      const url = server.first.url!;
      const get = (headers: Record<string, string>) => fetch(`${url}/items`, { headers });
      const ok = await get({ authorization: `Bearer ${key.key}`, 'x-plaid-vault-user': 'user-1' });
      expect(ok.status).toBe(200);
      const body = await ok.text();
      expect(JSON.parse(body).items.map((i: { itemId: string }) => i.itemId)).toEqual(['item-a']);
      expect(body).not.toContain(token);

      const otherUser = await get({ authorization: `Bearer ${key.key}`, 'x-plaid-vault-user': 'user-2' });
      expect(JSON.parse(await otherUser.text()).items).toEqual([]);
      expect((await get({ 'x-plaid-vault-user': 'user-1' })).status).toBe(401);
      expect((await get({ authorization: `Bearer ${key.key}x`, 'x-plaid-vault-user': 'user-1' })).status).toBe(401);
    } finally {
      code = await server.stop();
    }
    expect(code).toBe(0);
  });
});

describe.skipIf(!pgReady)('serve logs', () => {
  let schema: TestSchema;
  let dir: string;
  let key: { key: string; entry: string };
  const token = fakeAccessToken();

  beforeAll(async () => {
    schema = await createTestSchema('servelog');
    dir = mkdtempSync(join(tmpdir(), 'pv-cli-serve-log-'));
    key = json<{ key: string; entry: string }>(await runCli(['apikey', '--id', 'ops', '--json']));
    const imported = await runCli(['import'], {
      env: { VAULT_KEYS: KEYS, VAULT_DATA_DIR: dir, VAULT_DATABASE_URL: schema.url, VAULT_DATABASE_SCHEMA: schema.schema },
      input: `${JSON.stringify({ userId: 'user-1', itemId: 'item-log', accessToken: token })}\n`,
    });
    expect(imported.code).toBe(0);
  });

  afterAll(async () => {
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Failure {
    status: number;
    header: string | null;
    body: { code?: string; requestId?: string };
  }

  /**
   * Serve at `level` with PostgreSQL behind a proxy, take the database away
   * once a request has worked, then send two requests (one naming its own
   * request id): both fail. Returns the answers and the JSON lines on stderr.
   */
  async function serveThroughOutage(
    level: string,
  ): Promise<{ failures: Failure[]; chosenId: string; lines: Record<string, unknown>[]; raw: string }> {
    const db = new URL(schema.url);
    const proxy = await tcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
    db.host = `127.0.0.1:${proxy.port}`;
    const server = await start(['serve', '--port', '0'], {
      VAULT_KEYS: KEYS,
      VAULT_DATA_DIR: dir,
      VAULT_DATABASE_URL: db.toString(),
      VAULT_DATABASE_SCHEMA: schema.schema,
      VAULT_API_KEYS: key.entry,
      VAULT_LOG_LEVEL: level,
    });
    const headers = { authorization: `Bearer ${key.key}`, 'x-plaid-vault-user': 'user-1' };
    const chosenId = `ops-check-${randomBytes(6).toString('hex')}`;
    const failures: Failure[] = [];
    try {
      expect((await fetch(`${server.first.url}/items`, { headers })).status).toBe(200);
      await proxy.stop();
      for (const extra of [{ 'x-request-id': chosenId }, {}] as Record<string, string>[]) {
        const res = await fetch(`${server.first.url}/items`, { headers: { ...headers, ...extra } });
        failures.push({ status: res.status, header: res.headers.get('x-request-id'), body: (await res.json()) as Failure['body'] });
      }
    } finally {
      await server.stop();
    }
    const raw = server.stderr();
    const lines = raw
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { failures, chosenId, lines, raw };
  }

  /** Each failure is a 503 whose request id (header and body) is on an error line with the code behind it. */
  function expectFailuresLogged(failures: Failure[], chosenId: string, lines: Record<string, unknown>[]) {
    expect(failures.map((f) => f.status)).toEqual([503, 503]);
    expect(failures[0]!.body.requestId).toBe(chosenId);
    for (const f of failures) {
      expect(f.body.code).toBe('ERR_INTERNAL');
      expect(f.header).toBe(f.body.requestId);
      const logged = lines.filter((l) => l.requestId === f.body.requestId);
      expect(logged).toEqual([expect.objectContaining({ level: 50, msg: 'request failed', status: 503, code: 'ERR_STORE_UNAVAILABLE' })]);
    }
  }

  it('VAULT_LOG_LEVEL=info: JSON lines on stderr, info included; each 5xx logged at error with its request id and code', async () => {
    const { failures, chosenId, lines, raw } = await serveThroughOutage('info');
    expectFailuresLogged(failures, chosenId, lines);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'serve listening' }));
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(key.key);
  });

  it('VAULT_LOG_LEVEL=warn: no info lines, and the 5xx lines are still there', async () => {
    const { failures, chosenId, lines, raw } = await serveThroughOutage('warn');
    expectFailuresLogged(failures, chosenId, lines);
    expect(lines.filter((l) => Number(l.level) < 40)).toEqual([]);
    expect(raw).not.toContain(token);
  });
});

describe('sandbox', () => {
  it('starts plaid-sandbox, which answers the Plaid API with the printed credentials, and stops on SIGTERM', async () => {
    const chosen = `chosen-${randomBytes(6).toString('hex')}`;
    const sandbox = await start(['sandbox', '--port', '0', '--client-id', 'cid', '--secret', chosen], {});
    let code: number | null = null;
    try {
      const call = (secret: string) =>
        fetch(`${sandbox.first.url}/institutions/get_by_id`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: 'cid', secret, institution_id: 'ins_109508', country_codes: ['US'] }),
        });
      const ok = await call(chosen);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { institution: { institution_id: string } }).institution.institution_id).toBe('ins_109508');
      expect((await call('wrong')).status).toBe(400);
    } finally {
      code = await sandbox.stop();
    }
    expect(code).toBe(0);
    // The chosen secret is never echoed, in the JSON result or anywhere else.
    expect(sandbox.first.secret).toBeNull();
    expect(transcript.join('\n')).not.toContain(chosen);
  });
});
