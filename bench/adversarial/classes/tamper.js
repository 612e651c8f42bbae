// Envelope tamper, SQLite and PostgreSQL, through the library: each sealed
// token is damaged in the database by raw SQL and read back with withToken
// (in-process cache off, so every read opens the row). Held = the read fails
// (ERR_CRYPTO_*) and its error carries no token. Attempts, per dialect:
// - every byte flipped, check bytes left stale (the CRC refuses it);
// - every byte flipped and the CRC recomputed (the GCM tags must refuse it);
// - truncation to every shorter length, and bytes appended;
// - transplant: the envelope copied to another user's row, to another item
//   of the same user, and the row handed to another user (user_id rewritten);
// - kid swap: the header names the other key of the keyring, or an unknown
//   kid, with the CRC recomputed.
import { createDatabase, postgresAvailable } from '../lib/services.js';
import { deployment, fakeAccessToken as newToken } from '../lib/vault-setup.js';

const TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
/** CRC-32 (IEEE) of `bytes`, as the envelope's check. @param {Buffer} bytes */
function crc32(bytes) {
  let c = -1;
  for (const b of bytes) c = /** @type {number} */ (TABLE[(c ^ b) & 0xff]) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
/** The envelope with its trailing check recomputed over everything before it. @param {Buffer} env */
function withCheck(env) {
  const out = Buffer.from(env);
  out.writeUInt32BE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}
/** The envelope's header rewritten to name `kid` (check recomputed). @param {Buffer} env @param {string} kid */
function withKid(env, kid) {
  const body = env.subarray(2 + /** @type {number} */ (env[1]));
  return withCheck(Buffer.concat([Buffer.from([/** @type {number} */ (env[0]), kid.length]), Buffer.from(kid, 'latin1'), body]));
}

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'tamper',
  label: 'envelope tamper (every byte, truncation, transplant, kid swap), SQLite + PostgreSQL',
  budgetSeconds: { full: 60, quick: 20 },
  async run({ quick, scope, tally, overTime, log }) {
    const dialects = /** @type {const} */ (['sqlite', 'postgres']);
    for (const dialect of dialects) {
      if (dialect === 'postgres' && !(await postgresAvailable())) {
        tally.note('PostgreSQL not reachable: SQLite only');
        continue;
      }
      const db = await createDatabase(scope, dialect, scope.tempDir('tamper'));
      const dep = deployment({ db, dataDir: scope.tempDir('tamper-data') });
      const vault = await dep.openVault();
      scope.defer(() => vault.close());

      const items = [
        { userId: 'tamper-user-a', itemId: 'tamper-item-a', accessToken: newToken() },
        { userId: 'tamper-user-b', itemId: 'tamper-item-b', accessToken: newToken() },
        { userId: 'tamper-user-a', itemId: 'tamper-item-c', accessToken: newToken() },
      ];
      for (const item of items) await vault.items.put(item);
      const envelopeOf = async (/** @type {string} */ itemId) =>
        Buffer.from(/** @type {Uint8Array} */ ((await db.query('select envelope from items where item_id = $1', [itemId]))[0]?.envelope));
      const original = await envelopeOf('tamper-item-a');
      const [a, b, c] = items;
      if (!a || !b || !c) throw new Error('unreachable');
      const setEnvelope = (/** @type {string} */ itemId, /** @type {Buffer} */ env) =>
        db.query('update items set envelope = $1 where item_id = $2', [env, itemId]);
      const tokens = items.map((i) => i.accessToken);

      /** Read `ref` back; held when the read fails without naming a token. */
      const attempt = async (/** @type {{ userId: string, itemId: string }} */ ref, /** @type {string} */ what) => {
        try {
          await vault.withToken({ ...ref, purpose: 'adversarial.tamper' }, (t) => t.reveal());
          return tally.attempt(false, `${dialect}: ${what} opened`);
        } catch (err) {
          const code = String(/** @type {{ code?: unknown }} */ (err).code ?? 'no code');
          codes.set(code, (codes.get(code) ?? 0) + 1);
          const text = `${String(err)} ${JSON.stringify(err)}`;
          return tally.attempt(!tokens.some((t) => text.includes(t)), `${dialect}: ${what} error names a token`);
        }
      };
      /** @type {Map<string, number>} */
      const codes = new Map();
      const step = quick ? 7 : 1;
      const before = tally.tried;

      for (let i = 0; i < original.length && !overTime(); i += step) {
        const flipped = Buffer.from(original);
        flipped[i] = /** @type {number} */ (flipped[i]) ^ 0x5a;
        await setEnvelope(a.itemId, flipped);
        await attempt(a, `byte ${i} flipped`);
        await setEnvelope(a.itemId, withCheck(flipped));
        if (i < original.length - 4) await attempt(a, `byte ${i} flipped, CRC recomputed`);
      }
      for (let len = 0; len < original.length && !overTime(); len += step) {
        await setEnvelope(a.itemId, original.subarray(0, len));
        await attempt(a, `truncated to ${len} bytes`);
      }
      for (const extra of [Buffer.from([0]), Buffer.alloc(16, 0xff)]) {
        await setEnvelope(a.itemId, Buffer.concat([original, extra]));
        await attempt(a, `${extra.length} byte(s) appended`);
        await setEnvelope(a.itemId, withCheck(Buffer.concat([original, extra, Buffer.alloc(4)])));
        await attempt(a, `${extra.length} byte(s) appended, CRC recomputed`);
      }
      await setEnvelope(a.itemId, original);

      // Transplants: a valid envelope where it does not belong.
      await setEnvelope(b.itemId, original);
      await attempt(b, "user A's envelope in user B's row");
      await setEnvelope(c.itemId, original);
      await attempt(c, "item A's envelope in another item of the same user");
      await db.query('update items set user_id = $1 where item_id = $2', [b.userId, a.itemId]);
      await attempt({ userId: b.userId, itemId: a.itemId }, "item A's row handed to user B (user_id rewritten)");
      await db.query('update items set user_id = $1 where item_id = $2', [a.userId, a.itemId]);
      // Kid swaps: the other key of the keyring, and a kid that is not in it.
      for (const kid of ['k2', 'k9']) {
        await setEnvelope(a.itemId, withKid(original, kid));
        await attempt(a, `kid swapped to ${kid}`);
      }
      await setEnvelope(a.itemId, original);

      // The row is whole again: it must open (otherwise the attempts above prove nothing).
      const back = await vault.withToken({ ...a, purpose: 'adversarial.control' }, (t) => t.reveal());
      if (back !== a.accessToken) throw new Error(`${dialect}: the restored envelope does not open`);
      const refused = [...codes].map(([code, k]) => `${code} ${k}`).join(', ');
      log(`${dialect}: ${tally.tried - before} attempts`);
      tally.note(
        `${dialect}: ${tally.tried - before} attempts on a ${original.length}-byte envelope${quick ? ' (every 7th byte and length)' : ''}; refused with ${refused}`,
      );
    }
  },
};
