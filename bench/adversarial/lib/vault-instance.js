// One vault instance in a process of its own (the built package, as another
// deployment would run it), driven over IPC by the stale-reads class.
//   { cmd: 'init', options }              -> { ok: true }
//   { cmd: 'put', ref, token }            -> { ok: true }
//   { cmd: 'delete', ref }                -> { ok: true, at }    at = wall-clock ms when the delete returned
//   { cmd: 'read', ref }                  -> { ok: true, token | null, code }
//   { cmd: 'watch', ref, everyMs, forMs } -> { ok: true, reads: [[at, token | null, code]] }  at = when each read started
//   { cmd: 'stats' }                      -> { ok: true, stats }
//   { cmd: 'close' }                      -> { ok: true }, then exits
import { createVault, silentLogger } from 'plaid-vault';

const now = () => performance.timeOrigin + performance.now();
/** @type {import('plaid-vault').Vault | undefined} */
let vault;

/** @param {{ userId: string, itemId: string }} ref */
async function read(ref) {
  if (!vault) throw new Error('not initialised');
  try {
    return { token: await vault.withToken({ ...ref, purpose: 'adversarial.stale' }, (t) => t.reveal()), code: null };
  } catch (err) {
    return { token: null, code: /** @type {{ code?: string }} */ (err).code ?? 'unknown' };
  }
}

/** @param {{ cmd: string, [k: string]: any }} msg */
async function handle(msg) {
  switch (msg.cmd) {
    case 'init':
      vault = await createVault({ ...msg.options, logger: silentLogger });
      return {};
    case 'put':
      await vault?.items.put({ ...msg.ref, accessToken: msg.token });
      return {};
    case 'delete':
      await vault?.items.delete(msg.ref);
      return { at: now() };
    case 'read':
      return read(msg.ref);
    case 'watch': {
      /** @type {[number, string | null, string | null][]} */
      const reads = [];
      const end = now() + msg.forMs;
      while (now() < end) {
        const at = now();
        const r = await read(msg.ref);
        reads.push([at, r.token, r.code]);
        await new Promise((resolve) => setTimeout(resolve, msg.everyMs));
      }
      return { reads };
    }
    case 'stats':
      return { stats: vault?.stats() };
    case 'close':
      await vault?.close();
      return {};
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on('message', (/** @type {any} */ msg) => {
  handle(msg).then(
    (out) => process.send?.({ id: msg.id, ok: true, ...out }, () => msg.cmd === 'close' && process.exit(0)),
    (err) => process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err), code: err?.code }),
  );
});
