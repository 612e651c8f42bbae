/**
 * Runs the real `plaid-vault` binary (dist/cli/main.js) as a child process.
 * The binary is built once if dist is missing or older than the sources; a
 * file lock keeps parallel test workers from building at the same time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { createTestSchema, TEST_POOLED_DATABASE_URL } from '../helpers/services.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPO_DIR = join(PACKAGE_DIR, '..', '..');
export const CLI = join(PACKAGE_DIR, 'dist', 'cli', 'main.js');

/** The newest .ts file under `dir` (what tsc compiles). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const BUILD_INFO = join(PACKAGE_DIR, 'tsconfig.tsbuildinfo');

/**
 * Build packages/vault unless the last build is newer than every source file.
 * The build-info file is the witness: an incremental build leaves unchanged
 * outputs (main.js among them) with their old times.
 */
export function ensureBuilt(): void {
  const fresh = () => existsSync(CLI) && existsSync(BUILD_INFO) && statSync(BUILD_INFO).mtimeMs >= newestMtime(join(PACKAGE_DIR, 'src'));
  if (fresh()) return;
  // tsc -b exits non-zero for type errors anywhere in the package but still emits; the check below decides.
  try {
    execFileSync('flock', ['/tmp/plaid-vault-cli-build.lock', 'npx', 'tsc', '-b', 'packages/vault'], {
      cwd: REPO_DIR,
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch {
    // fall through to the existence check
  }
  if (!existsSync(CLI)) throw new Error(`could not build ${CLI}`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Every output of every run in this process, for the "no token ever printed" scans. */
export const transcript: string[] = [];

/**
 * Run the CLI with only the given environment (plus PATH/HOME), so that a
 * developer's own VAULT_* variables never leak into a test.
 */
export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: opts.cwd ?? PACKAGE_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Parse the one JSON document a `--json` run prints on stdout. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}): ${result.stdout.slice(0, 300)} / stderr: ${result.stderr.slice(0, 300)}`);
  }
}

/** The `error CODE: ...` line's code, or undefined. */
export function errorCode(result: CliResult): string | undefined {
  return /^error (ERR_[A-Z_]+): /m.exec(result.stderr)?.[1];
}

/** A database the CLI runs against: its environment, the same for createVault, raw SQL in it, clean-up. */
export interface DbTarget {
  env: Record<string, string>;
  database: { url: string; schema?: string };
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The SQLite file `file` (the caller owns its directory). */
export function sqliteDbTarget(file: string): DbTarget {
  return {
    env: { VAULT_DATABASE_URL: `sqlite:${file}` },
    database: { url: `sqlite:${file}` },
    async exec(sql) {
      const db = new BetterSqlite3(file);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async close() {},
  };
}

/** A fresh PostgreSQL schema, dropped by `close()`; `pooled`: the CLI and the vault reach it through PgBouncer, `exec` stays direct. */
export async function postgresDbTarget(prefix: string, opts: { pooled?: boolean } = {}): Promise<DbTarget> {
  const s = await createTestSchema(prefix);
  const url = opts.pooled ? TEST_POOLED_DATABASE_URL : s.url;
  return {
    env: { VAULT_DATABASE_URL: url, VAULT_DATABASE_SCHEMA: s.schema },
    database: { url, schema: s.schema },
    exec: (sql) => s.exec(sql),
    close: () => s.drop(),
  };
}
