// The vault as a separate program: `plaid-vault` commands run to completion
// and `plaid-vault serve` as a long-running child, each with only the
// environment it is given (plus PATH and HOME), its output kept for the
// leak scans.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './paths.js';

export const CLI = join(REPO, 'packages/vault/dist/cli/main.js');

/** @param {Record<string, string>} env */
const childEnv = (env) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env });

/**
 * @typedef {object} CliResult
 * @property {number | null} code
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * Run `plaid-vault ...args` to completion (SIGKILL after `timeoutMs`).
 * @param {string[]} args
 * @param {Record<string, string>} env
 * @param {{ input?: string, timeoutMs?: number, onSpawn?: (child: import('node:child_process').ChildProcess) => void }} [opts]
 * @returns {Promise<CliResult>}
 */
export function runCli(args, env, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
    opts.onSpawn?.(child);
  });
}

/** The one JSON document a `--json` run printed, or undefined. @param {CliResult} r */
export function cliJson(r) {
  try {
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

/**
 * `plaid-vault serve --port 0` as a child; resolves once it prints its URL.
 * @param {import('./scope.js').Scope} scope
 * @param {Record<string, string>} env
 */
export async function startServe(scope, env) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json'], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (/** @type {NodeJS.Signals} */ signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  scope.defer(() => stop('SIGKILL'));
  /** @type {string} */
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${stderr.slice(0, 500)}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line).url);
        } catch {
          reject(new Error(`serve printed no JSON: ${line.slice(0, 200)}`));
        }
      }
    });
    void exited.then(() => reject(new Error(`serve exited at start: ${stderr.slice(0, 500)}`)));
  });
  return {
    url,
    pid: child.pid,
    /** Everything it printed so far (stdout, then stderr). */
    output: () => `${stdout}\n${stderr}`,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
  };
}
