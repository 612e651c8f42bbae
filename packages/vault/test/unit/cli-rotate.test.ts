/**
 * `rotate --older-than` and Ctrl-C: the command hands its signal to
 * rotateDue, prints the partial summary, keeps the stored cutoff so the next
 * run resumes with it, and forgets the cutoff once a run completes. The vault
 * is a stand-in; the markers live in a real (in-memory SQLite) store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { rotateCommand } from '../../src/cli/commands/rotate.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { createOutput } from '../../src/cli/output.js';
import type { Runtime } from '../../src/cli/runtime.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import type { RotateDueOptions, RotateDueReport } from '../../src/types/rotation.js';
import type { Vault } from '../../src/types/vault.js';
import { sink } from '../helpers/text-sink.js';

const MARKER = 'cli:rotate:older-than:90d';

let store: TokenStore;
beforeEach(async () => {
  store = createStore({ url: 'sqlite::memory:' });
  await store.migrate();
});
afterEach(() => store.close());

/** One `rotate --older-than 90d` run whose rotateDue is `rotateDue` (which gets the controller behind the signal: Ctrl-C). */
async function rotate(
  rotateDue: (opts: RotateDueOptions, stop: AbortController) => Promise<RotateDueReport>,
  { json = true } = {},
): Promise<{ code: number; stdout: string; stderr: string; calls: RotateDueOptions[] }> {
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = { stdin: process.stdin, stdout, stderr, env: {} };
  const stop = new AbortController();
  const calls: RotateDueOptions[] = [];
  const vault = {
    items: {
      rotateDue: (opts: RotateDueOptions) => {
        calls.push(opts);
        return rotateDue(opts, stop);
      },
    },
    audit: { flush: async () => {} },
  } as unknown as Vault;
  const runtime = { vault: async () => vault, store: async () => store } as unknown as Runtime;
  const code = await rotateCommand.run({
    values: { 'older-than': '90d', json },
    positionals: [],
    io,
    out: createOutput(io, { json, debug: false }),
    runtime,
    signal: stop.signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text, calls };
}

describe('rotate --older-than, interrupted', () => {
  it('passes its signal to rotateDue; Ctrl-C prints the partial summary, keeps the cutoff, and the next run resumes with it', async () => {
    const partial = await rotate(async (opts, stop) => {
      opts.onProgress?.(3, 10);
      stop.abort(); // the first Ctrl-C, mid-run
      expect(opts.signal?.aborted).toBe(true);
      return { considered: 3, rotated: 3, relinkRequired: 0, failed: [], aborted: true };
    });
    expect(partial.code).toBe(EXIT.failure);
    expect(partial.calls[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(partial.stderr).toContain('interrupted: finishing rotations in flight');
    expect(JSON.parse(partial.stdout)).toMatchObject({ considered: 3, rotated: 3, aborted: true });
    const cutoff = partial.calls[0]!.olderThan;
    expect(await store.getMarker(MARKER)).toBe(cutoff.toISOString());

    const resumed = await rotate(async () => ({ considered: 7, rotated: 7, relinkRequired: 0, failed: [] }));
    expect(resumed.code).toBe(EXIT.ok);
    expect(resumed.stderr).toContain('resuming an interrupted run');
    expect(resumed.calls[0]!.olderThan.getTime()).toBe(cutoff.getTime());
    expect(JSON.parse(resumed.stdout)).not.toHaveProperty('aborted');
    // Finished: the next run starts from a fresh cutoff.
    expect(await store.getMarker(MARKER)).toBeUndefined();
  });

  it('prints the interrupted summary in human form too', async () => {
    const r = await rotate(
      async (_opts, stop) => {
        stop.abort();
        return { considered: 2, rotated: 1, relinkRequired: 0, failed: [{ itemId: 'item-1', code: 'ERR_ROTATION_FAILED' }], aborted: true };
      },
      { json: false },
    );
    expect(r.code).toBe(EXIT.failure);
    expect(r.stdout).toContain('failed  item-1  ERR_ROTATION_FAILED');
    expect(r.stdout).toMatch(/rotated 1, relink_required 0, failed 1 .*of 2 started; interrupted, run again to resume/);
    expect(await store.getMarker(MARKER)).toBeDefined();
  });
});
