// Stale reads after a delete during a Redis outage (issue 11, item 4). Two
// vault instances, each its own process (lib/vault-instance.js, defaults for
// the caches), share a database and a private redis-server. B reads an item
// (its in-process cache now holds the token); Redis fails; A deletes the item;
// B reads it every 2 ms for 3 s. Three faults: redis-server stopped (SIGTERM,
// connections closed), killed (SIGKILL) and paused (SIGSTOP: a silent
// partition, sockets open and nothing answers). Tried = B's reads that started
// more than the stated bound (BOUND_MS, 1 s) after A's delete returned; held =
// the read did not return the deleted token. Stale reads inside the bound are
// reported, not counted.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPO } from '../lib/paths.js';
import { sleep } from '../lib/scope.js';
import { createDatabase, preferredDialect, startRedisServer } from '../lib/services.js';
import { fakeAccessToken, makeKeys } from '../lib/vault-setup.js';

const BOUND_MS = 1000;
const INSTANCE = join(REPO, 'bench/adversarial/lib/vault-instance.js');

/** @param {import('../lib/scope.js').Scope} scope */
function spawnInstance(scope) {
  const child = fork(INSTANCE, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let next = 0;
  /** @type {Map<number, (msg: any) => void>} */
  const waiting = new Map();
  child.on('message', (/** @type {any} */ msg) => waiting.get(msg.id)?.(msg));
  scope.defer(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    /**
     * @param {Record<string, unknown>} msg
     * @param {number} [timeoutMs]
     * @returns {Promise<any>}
     */
    call(msg, timeoutMs = 20_000) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`instance did not answer ${String(msg.cmd)} in ${timeoutMs} ms`)), timeoutMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (answer.ok) resolve(answer);
          else reject(new Error(`${String(msg.cmd)}: ${answer.code ?? ''} ${answer.error}`));
        });
        child.send({ ...msg, id });
      });
    },
  };
}

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'stale',
  label: `stale token reads more than ${BOUND_MS / 1000} s after a delete during a Redis outage (goal 0)`,
  budgetSeconds: { full: 60, quick: 30 },
  async run({ quick, scope, tally, overTime, log }) {
    const dialect = await preferredDialect();
    const faults = /** @type {const} */ (quick ? ['kill', 'pause'] : ['stop', 'kill', 'pause']);
    const windowMs = quick ? 2000 : 3000;
    for (const fault of faults) {
      if (overTime()) break;
      const redis = await startRedisServer(scope);
      const dir = scope.tempDir(`stale-${fault}`);
      const db = await createDatabase(scope, dialect, dir);
      const options = {
        database: db.option,
        keys: makeKeys('k1'),
        redis: redis.url,
        namespace: `adv${randomBytes(4).toString('hex')}`,
        dataDir: dir,
        recoveryDir: join(dir, 'recovery'),
      };
      const a = spawnInstance(scope);
      const b = spawnInstance(scope);
      await Promise.all([a.call({ cmd: 'init', options }), b.call({ cmd: 'init', options })]);

      // Control, Redis up: B must stop serving an item A deleted, or nothing below means anything.
      const control = { userId: 'stale-user', itemId: `stale-control-${fault}` };
      const deadline = Date.now() + 5000;
      await a.call({ cmd: 'put', ref: control, token: fakeAccessToken() });
      while ((await b.call({ cmd: 'read', ref: control })).token === null && Date.now() < deadline) await sleep(20);
      await a.call({ cmd: 'delete', ref: control });
      while ((await b.call({ cmd: 'read', ref: control })).token !== null && Date.now() < deadline) await sleep(20);
      if ((await b.call({ cmd: 'read', ref: control })).token !== null)
        throw new Error(`${fault}: with Redis up, B kept serving a deleted item`);

      const ref = { userId: 'stale-user', itemId: `stale-item-${fault}` };
      const token = fakeAccessToken();
      await a.call({ cmd: 'put', ref, token });
      if ((await b.call({ cmd: 'read', ref })).token !== token) throw new Error(`${fault}: B could not read the item`);

      if (fault === 'stop') await redis.stop();
      else if (fault === 'kill') await redis.kill();
      else redis.pause();
      scope.defer(() => redis.resume());
      await sleep(300);
      const deleted = await a.call({ cmd: 'delete', ref });
      const { reads } = await b.call({ cmd: 'watch', ref, everyMs: 2, forMs: windowMs }, windowMs + 30_000);
      redis.resume();

      /** @type {[number, string | null, string | null][]} */
      const after = reads.filter((/** @type {[number]} */ r) => r[0] > deleted.at);
      const stale = after.filter((r) => r[1] === token);
      const lastStale = stale.at(-1);
      for (const [at, got, code] of after) {
        if (at - deleted.at <= BOUND_MS) continue;
        tally.attempt(
          got !== token,
          `${fault}: token served ${Math.round(at - deleted.at)} ms after the delete${code ? ` (${code})` : ''}`,
        );
      }
      const late = stale.filter((r) => r[0] - deleted.at > BOUND_MS).length;
      const codes = [...new Set(after.filter((r) => r[1] !== token).map((r) => r[2]))].join(', ');
      const line =
        `redis ${fault === 'stop' ? 'stopped (SIGTERM)' : fault === 'kill' ? 'killed (SIGKILL)' : 'paused (SIGSTOP, silent)'}: ` +
        `${after.length} reads in ${windowMs} ms after the delete, ${stale.length} stale, ${late} of them after ${BOUND_MS} ms` +
        `${lastStale ? `, last at +${Math.round(lastStale[0] - deleted.at)} ms` : ''}; other reads: ${codes || 'none'}`;
      log(line);
      tally.note(line);
    }
    tally.note(`${dialect}, in-process cache at its defaults (TTL 5 min), Redis command timeout at its default`);
  },
};
