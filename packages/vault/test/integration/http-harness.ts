/**
 * Shared by the http-*.test.ts suites: a real vault on a temp SQLite file, a
 * logger that keeps its lines, and a client that scans every response (body
 * and headers) for tokens before a test sees it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, type CreateVaultOptions, type Vault } from '../../src/index.js';
import type { Logger } from '../../src/types/logger.js';
import { testKeys } from '../helpers/services.js';

/** Appears in every Plaid sandbox access token; no response or log line may contain it. */
export const TOKEN_MARK = 'access-sandbox-';

export interface TestVault {
  vault: Vault;
  close(): Promise<void>;
}

/** A real vault: SQLite file in a temp dir, L1 only, test keys. */
export async function createTestVault(extra: CreateVaultOptions = {}): Promise<TestVault> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-http-'));
  const vault = await createVault({
    database: `sqlite:${join(dir, 'vault.db')}`,
    dataDir: dir,
    keys: testKeys('k1'),
    redis: null,
    logLevel: 'silent',
    ...extra,
  });
  return {
    vault,
    async close() {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Logger that records what it was given, serialised as the real one would. */
export function createMemoryLogger(): Logger & { lines: string[]; errors(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const entries: { level: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj });
    lines.push(JSON.stringify({ level, msg, ...obj }));
  };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    errors: () => entries.filter((e) => e.level === 'error').map((e) => e.obj as Record<string, unknown>),
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // Replies are asserted field by field; a precise type per route would add nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface CallOptions {
  /** Sent as the test session header that `getUserId` reads. */
  user?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The host app's session hook in these tests: a header stands in for a cookie. */
export const SESSION_HEADER = 'x-test-session-user';
export const getTestUser = (req: Request): string | null => req.headers.get(SESSION_HEADER);

/**
 * Calls `fetch` (an app's, or a real server's) and refuses any response that
 * contains `access-sandbox-` or one of `secrets()` in a header or the body.
 * The error names the request, never the matched value.
 */
export function createClient(
  fetcher: (req: Request) => Response | Promise<Response>,
  base = 'http://vault.test',
  secrets: () => string[] = () => [],
) {
  let calls = 0;
  async function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers = new Headers(opts.headers);
    if (opts.user !== undefined) headers.set(SESSION_HEADER, opts.user);
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const res = await fetcher(new Request(base + path, { method, headers, body }));
    const text = await res.text();
    assertNoSecrets(`${method} ${path}`, text, res.headers, secrets());
    calls++;
    let json: unknown = undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json };
  }
  return { call, calls: () => calls };
}

export function assertNoSecrets(where: string, text: string, headers: Headers, secrets: string[]): void {
  const headerText = [...headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  for (const needle of [TOKEN_MARK, ...secrets]) {
    if (needle && (text.includes(needle) || headerText.includes(needle))) {
      throw new Error(`${where}: the response contains a token`);
    }
  }
}

/** Every log line must be free of tokens too. */
export function assertLogClean(lines: string[], secrets: string[] = []): void {
  for (const needle of [TOKEN_MARK, ...secrets]) {
    if (lines.some((l) => l.includes(needle))) throw new Error('a log line contains a token');
  }
}
