/**
 * VAULT_KEYS_COMMAND: the keyring fetched once, at start-up, by a command the
 * operator chooses (a secret manager's CLI, a KMS decrypt, sops...). The vault
 * links no cloud SDK; whatever can print `kid:base64,...` works.
 *
 * The command's output is the keys and its standard error may echo them, so
 * neither ever reaches a message, a log line or `details`: errors say what
 * happened (exit code, signal, timeout, size) and to run the command by hand.
 * The command string is not quoted either: it is free-form shell and may carry
 * a credential (a token in an env assignment or a header) that, unlike a URL's
 * password, cannot be found and redacted reliably.
 */
import { spawnSync, type SpawnSyncOptionsWithBufferEncoding } from 'node:child_process';
import { ConfigInvalidError } from '../errors.js';

export const DEFAULT_KEYS_COMMAND_TIMEOUT_MS = 10_000;
/** A keyring of a few keys is well under 1 KiB; more than this is not a keyring. */
export const MAX_KEYS_COMMAND_OUTPUT_BYTES = 64 * 1024;

const SHELL = '/bin/sh';
const RUN_IT_YOURSELF = 'Run the command yourself to see its output (the vault never shows it: it may hold keys).';
/** Exit codes the shell itself uses, worth naming. */
const SHELL_EXITS: Record<number, string> = { 126: 'not executable', 127: 'command not found' };

export interface KeysCommandOptions {
  /** Stop the command (and everything it started) after this long; default 10 s. */
  timeoutMs?: number;
  /** Refuse more standard output than this; default 64 KiB. */
  maxBytes?: number;
}

function refuse(problem: string, details: Record<string, unknown> = {}): never {
  throw new ConfigInvalidError(`VAULT_KEYS_COMMAND ${problem}. ${RUN_IT_YOURSELF}`, {
    details: { variable: 'VAULT_KEYS_COMMAND', ...details },
  });
}

/**
 * Run `command` through `/bin/sh -c` (pipelines work) and return its standard
 * output, the keyring spec. No stdin, no terminal (it runs in its own session,
 * so it cannot prompt), standard error discarded, the environment inherited.
 * Synchronous: it runs once before anything is served, as the other key
 * sources are read. Fails closed with ERR_CONFIG_INVALID on a non-zero exit, a
 * signal, the timeout (the whole process group is killed, so a hung pipeline
 * leaves nothing behind), output over the limit, or no output.
 *
 * @example
 * const spec = runKeysCommand('gcloud secrets versions access latest --secret=plaid-vault-keys');
 * const keyring = parseKeyring(spec, 'VAULT_KEYS_COMMAND', { anonymous: true });
 */
export function runKeysCommand(command: string, opts: KeysCommandOptions = {}): string {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_KEYS_COMMAND_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_KEYS_COMMAND_OUTPUT_BYTES;
  const options: SpawnSyncOptionsWithBufferEncoding & { detached: boolean } = {
    stdio: ['ignore', 'pipe', 'ignore'],
    // Its own session and process group, so a timeout kills the whole pipeline, not only the shell.
    // spawnSync honours `detached` as spawn does (normalizeSpawnArguments, spawn_sync.cc), though
    // @types/node leaves it out; the timeout test checks that no child outlives the refusal.
    detached: true,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: maxBytes,
  };
  const result = spawnSync(SHELL, ['-c', command], options);
  const stdout = result.stdout as Buffer | null;
  try {
    const errno = (result.error as NodeJS.ErrnoException | undefined)?.code;
    if (errno === 'ETIMEDOUT' || errno === 'ENOBUFS') killGroup(result.pid);
    if (errno === 'ETIMEDOUT') {
      refuse(`did not finish within ${timeoutMs} ms (VAULT_KEYS_COMMAND_TIMEOUT_MS) and was stopped`, { timeoutMs });
    }
    if (errno === 'ENOBUFS') refuse(`printed more than ${maxBytes} bytes, which is not a keyring, and was stopped`, { maxBytes });
    if (result.error) refuse(`could not be started: ${SHELL} failed (${errno ?? 'error'})`, { errno });
    if (result.signal !== null) refuse(`was killed by ${result.signal}`, { signal: result.signal });
    if (result.status !== 0) {
      const meaning = result.status !== null && SHELL_EXITS[result.status] ? `, ${SHELL_EXITS[result.status]}` : '';
      refuse(`exited with code ${result.status}${meaning}`, { exitCode: result.status });
    }
    const text = stdout?.toString('utf8') ?? '';
    if (text.trim() === '') refuse('printed nothing on standard output (it must print kid:base64 entries)');
    return text;
  } finally {
    // Best effort: the string handed back cannot be wiped, the buffer can.
    stdout?.fill(0);
  }
}

function killGroup(pid: number): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone: nothing was left running.
  }
}
