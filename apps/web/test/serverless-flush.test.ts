/**
 * Issue 13, item 3: nothing left in timers when a function ends. The
 * production build, started as `npm start` starts it, behaves like a
 * serverless platform for one request (helpers/serverless-platform.mjs: Next
 * gets `waitUntil` through its request context, and the process freezes itself
 * once the request has ended: response sent and `after()` work done). A request
 * that reads a token (removing a bank); as soon as the process is frozen, it is
 * SIGKILLed, as a platform may do to a frozen function. The request's audit
 * events must be in the database: the app's routes schedule `vault.flush()`
 * with `after()` (`plaid-vault/next`), so they do not wait for the audit timer.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_DIR,
  emulatorEnv,
  ensureBuilt,
  freePort,
  sandboxLinkOverHttp,
  signUpOverHttp,
  startWebServer,
  type WebServer,
} from './helpers/web-server.js';

/** Frozen token reads before the final one, which is killed: each one the audit timer could save by luck. */
const READS = 6;
const PLATFORM = pathToFileURL(join(import.meta.dirname, 'helpers', 'serverless-platform.mjs')).href;

/** The state letter of a process in /proc (T: stopped), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a request whose function is frozen and killed as soon as it ends', () => {
  let sandbox: Sandbox;
  let dir: string;
  let server: WebServer | undefined;
  const keys = `web1:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    ensureBuilt('production');
    sandbox = await startSandbox({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'pv-web-flush-'));
  });
  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Send a request that freezes the server when it ends; resolves with the frozen process's pid once it is stopped. */
  async function frozenRequest(path: string, init: RequestInit): Promise<{ res: Response; pid: number }> {
    const marker = join(dir, `frozen-${randomBytes(4).toString('hex')}.pid`);
    const res = await fetch(`${server!.url}${path}`, { ...init, headers: { ...init.headers, 'x-test-freeze-after': marker } });
    await res.arrayBuffer();
    // The invocation is over (after() work included) when the process has stopped itself.
    await waitUntil(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 15_000, 'the end of the invocation');
    const pid = Number(readFileSync(marker, 'utf8'));
    await waitUntil(() => processState(pid) === 'T', 5000, 'the process to freeze');
    return { res, pid };
  }
  /** The audit rows of an item, read while the server is frozen or dead (a frozen process writes nothing). */
  function auditRows(
    database: string,
    itemId: string,
  ): { action: string; purpose: string | null; outcome: string; request_id: string | null }[] {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare('select action, purpose, outcome, request_id from audit_events where item_id = ? order by seq')
        .all(itemId) as never;
    } finally {
      db.close();
    }
  }

  it('still has its audit events in the database', async () => {
    const port = await freePort();
    const database = join(dir, 'vault.db');
    server = await startWebServer({
      port,
      logFile: join(REPO_DIR, 'test-artifacts', 'serverless-flush-server.log'),
      env: {
        WEB_DATA_DIR: dir,
        VAULT_DATABASE_URL: `sqlite:${database}`,
        VAULT_KEYS: keys,
        SESSION_SECRET: randomBytes(32).toString('base64'),
        ...emulatorEnv(sandbox),
        NODE_OPTIONS: `--import=${PLATFORM}`,
      },
    });
    const cookie = await signUpOverHttp(server, {
      email: `flush-${randomBytes(3).toString('hex')}@example.com`,
      password: 'a long enough passphrase',
    });
    const itemId = await sandboxLinkOverHttp(server, cookie);
    const path = `/api/items/${encodeURIComponent(itemId)}`;
    const headers = { origin: server.url, cookie };

    // Token reads, each followed by a freeze: its event is on disk while the process is stopped.
    for (let i = 0; i < READS; i += 1) {
      const requestId = `flush-${i}-${randomBytes(4).toString('hex')}`;
      const { res, pid } = await frozenRequest(`${path}/accounts`, { headers: { ...headers, 'x-request-id': requestId } });
      expect(res.status).toBe(200);
      expect(auditRows(database, itemId).filter((r) => r.request_id === requestId)).toEqual([
        { action: 'token.decrypt', purpose: 'accounts.get', outcome: 'ok', request_id: requestId },
      ]);
      process.kill(pid, 'SIGCONT');
    }

    // Removing the bank reads its token (for Plaid's /item/remove) and records the removal last,
    // right before the response. Frozen, then killed.
    const { res, pid } = await frozenRequest(path, { method: 'DELETE', headers });
    expect(res.status).toBe(204);
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => processState(pid) === undefined || processState(pid) === 'Z', 5000, 'the process to die');
    await server.stop();
    server = undefined;
    const rows = auditRows(database, itemId);
    expect(rows).toContainEqual(expect.objectContaining({ action: 'token.decrypt', purpose: 'item.remove', outcome: 'ok' }));
    expect(rows).toContainEqual(expect.objectContaining({ action: 'item.remove', outcome: 'ok' }));
  }, 240_000);
});
