/**
 * Shared by this repo's Plaid suites (plaid-*, link-*, data-*, remove-*,
 * webhook-*, rotate-*, crash-*, recovery-*): a real plaid-sandbox over HTTP,
 * and vaults on SQLite or a fresh PostgreSQL schema (optionally with Redis).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { AxiosInstance } from 'axios';
import { Configuration, PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from 'plaid-sandbox';
import { createVault, type CreateVaultOptions, type Vault } from '../../src/index.js';
import {
  createTestSchema,
  testKeys,
  testNamespace,
  TEST_POOLED_DATABASE_URL,
  TEST_REDIS_URL,
  type TestSchema,
} from '../helpers/services.js';

/** Appears in every sandbox access token: no return value may contain it. */
export const TOKEN_MARK = 'access-sandbox-';

export interface PlaidEnv {
  sb: Sandbox;
  dir: string;
  keys: string;
  schema: TestSchema | null;
  namespace: string;
  /** Options for one more vault on the same database, keys, sandbox and recovery dir. */
  options(extra?: CreateVaultOptions): CreateVaultOptions;
  vault(extra?: CreateVaultOptions): Promise<Vault>;
  close(): Promise<void>;
}

export interface PlaidEnvOptions {
  /** 'pgbouncer': PostgreSQL, the vaults reaching it through PgBouncer in transaction mode. */
  db?: 'sqlite' | 'postgres' | 'pgbouncer';
  redis?: boolean;
  products?: string[];
  webhookUrl?: string;
  /** Serve plaid-sandbox's `/__admin/*` routes (the orphan count reads `/__admin/state`). */
  admin?: boolean;
}

export async function startPlaidEnv(opts: PlaidEnvOptions = {}): Promise<PlaidEnv> {
  const sb = await startSandbox({ port: 0, ...(opts.admin && { admin: true }) });
  const dir = mkdtempSync(join(tmpdir(), 'pv-plaid-'));
  const schema = opts.db === 'postgres' || opts.db === 'pgbouncer' ? await createTestSchema('plaid') : null;
  const url = opts.db === 'pgbouncer' ? TEST_POOLED_DATABASE_URL : schema?.url;
  const keys = testKeys('k1');
  const namespace = testNamespace('pl');
  const vaults: Vault[] = [];
  const options = (extra: CreateVaultOptions = {}): CreateVaultOptions => ({
    database: schema && url ? { url, schema: schema.schema } : `sqlite:${join(dir, 'vault.db')}`,
    dataDir: dir,
    recoveryDir: join(dir, 'recovery'),
    keys,
    redis: opts.redis ? TEST_REDIS_URL : null,
    namespace,
    logLevel: 'silent',
    ...extra,
    plaid: {
      env: 'emulator',
      baseUrl: sb.url,
      clientId: sb.clientId,
      secret: sb.secret,
      products: opts.products ?? ['transactions'],
      ...(opts.webhookUrl && { webhookUrl: opts.webhookUrl }),
      ...extra.plaid,
    },
  });
  return {
    sb,
    dir,
    keys,
    schema,
    namespace,
    options,
    async vault(extra) {
      const v = await createVault(options(extra));
      vaults.push(v);
      return v;
    },
    async close() {
      for (const v of vaults) await v.close().catch(() => {});
      await sb.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SDK client straight to the sandbox (to check tokens behind the vault's back). `http` lets a test read requests on the way out. */
export function sandboxApi(env: PlaidEnv, opts: { secret?: string; http?: AxiosInstance } = {}): PlaidApi {
  const config = new Configuration({
    basePath: env.sb.url,
    baseOptions: { headers: { 'PLAID-CLIENT-ID': env.sb.clientId, 'PLAID-SECRET': opts.secret ?? env.sb.secret } },
  });
  // axios ships separate ESM and CJS typings; the SDK's are the CJS ones.
  return new PlaidApi(config, undefined, opts.http as unknown as ConstructorParameters<typeof PlaidApi>[2]);
}

/** Every string reachable from `value` (own properties, Maps, Sets, arrays), plus its inspect() and JSON forms. */
export function deepStrings(value: unknown): string[] {
  const out: string[] = [inspect(value, { depth: 20, showHidden: true })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    /* cyclic: covered by the walk */
  }
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return void out.push(v);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
    }
    if (v instanceof Set) for (const x of v) walk(x);
    for (const key of Reflect.ownKeys(v)) walk((v as Record<string | symbol, unknown>)[key]);
    if (v instanceof Error && v.cause !== undefined) walk(v.cause);
  };
  walk(value);
  return out;
}

/** True when `value` (deeply) contains any of the needles. */
export function containsAny(value: unknown, needles: string[]): boolean {
  const haystack = deepStrings(value);
  return needles.some((n) => haystack.some((s) => s.includes(n)));
}
