// Forged webhooks against `plaid-vault serve`'s webhook route, verified
// against plaid-sandbox's real signing keys. Two payloads that would change
// an item if accepted (ITEM ERROR ITEM_LOGIN_REQUIRED flips it to
// login_required; USER_PERMISSION_REVOKED removes it at Plaid), each sent with
// every forgery below; plus replays of a genuine webhook (exact, high-s,
// padded). Held = the answer is not `accepted: true` and the item is
// unchanged (status in the database, alive at the sandbox). Controls: a
// genuine webhook is accepted before, and the login-required payload, signed
// genuinely, does flip the item afterwards (so the forgeries aimed at
// something real).
import { createPublicKey, randomUUID } from 'node:crypto';
import { jsonOf, send } from '../lib/http.js';
import { b64url, claims, forgeJwt, highS } from '../lib/jwt.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { startPlaid } from '../lib/services.js';

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'webhooks',
  label: 'forged webhooks (wrong key, alg none, HS256 with the public key, stale iat, body change)',
  budgetSeconds: { full: 45, quick: 30 },
  async run({ scope, tally, log }) {
    const sandbox = await startPlaid(scope);
    const { db, serve, api } = await servedDeployment(scope, { name: 'webhooks', dialect: 'sqlite', plaid: sandbox });
    const userId = 'webhook-user';
    const itemId = await api.link(userId);
    /** @param {string} body @param {string | null} jwt */
    const post = (body, jwt) =>
      send(serve.url, {
        method: 'POST',
        path: '/webhooks/plaid',
        headers: { 'content-type': 'application/json', ...(jwt !== null && { 'plaid-verification': jwt }) },
        body,
      });
    const accepted = (/** @type {import('../lib/http.js').Exchange} */ ex) => ex.status === 200 && jsonOf(ex)?.accepted === true;
    const status = async () => (await db.query('select status from items where item_id = $1', [itemId]))[0]?.status;

    const sync = JSON.stringify({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: itemId,
      environment: 'sandbox',
    });
    const genuineJwt = sandbox.signWebhook(sync);
    if (!accepted(await post(sync, genuineJwt))) throw new Error('control: a genuine webhook was refused');

    const key = sandbox.webhookKey();
    const publicKey = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x, y: key.y }, format: 'jwk' });
    const pem = /** @type {string} */ (publicKey.export({ type: 'spki', format: 'pem' }));
    const now = Math.floor(Date.now() / 1000);
    const payloads = {
      login_required: JSON.stringify({
        webhook_type: 'ITEM',
        webhook_code: 'ERROR',
        item_id: itemId,
        error: {
          error_type: 'ITEM_ERROR',
          error_code: 'ITEM_LOGIN_REQUIRED',
          error_message: 'the login details of this item have changed',
        },
        environment: 'sandbox',
      }),
      permission_revoked: JSON.stringify({
        webhook_type: 'ITEM',
        webhook_code: 'USER_PERMISSION_REVOKED',
        item_id: itemId,
        environment: 'sandbox',
      }),
    };

    for (const [name, body] of Object.entries(payloads)) {
      const es = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
      const genuine = sandbox.signWebhook(body);
      const [gh, gp, gs] = genuine.split('.');
      /** @type {[string, string, string | null][]} [what, body sent, header] */
      const forgeries = [
        ['no Plaid-Verification header', body, null],
        ['empty header', body, ''],
        ['not a JWT', body, 'not-a-jwt'],
        ['two segments', body, `${gh}.${gp}`],
        ['four segments', body, `${genuine}.x`],
        ["another key under Plaid's kid", body, sandbox.signWebhook(body, { foreignKey: true })],
        ["the forger's key under a random kid", body, forgeJwt({ ...es, kid: randomUUID() }, claims(body))],
        ["alg none under Plaid's kid", body, sandbox.signWebhook(body, { alg: 'none' })],
        ['alg none with a genuine signature attached', body, forgeJwt({ ...es, alg: 'none' }, claims(body), { signature: gs ?? '' })],
        ['HS256 keyed with the public JWK', body, forgeJwt({ ...es, alg: 'HS256' }, claims(body), { hs256: JSON.stringify(key) })],
        ['HS256 keyed with the public key PEM', body, forgeJwt({ ...es, alg: 'HS256' }, claims(body), { hs256: pem })],
        ['HS256 keyed with x', body, forgeJwt({ ...es, alg: 'HS256' }, claims(body), { hs256: key.x })],
        ['alg "es256" (lower case), forger key', body, forgeJwt({ ...es, alg: 'es256' }, claims(body))],
        ['alg ES384 over an ES256 signature', body, sandbox.signWebhook(body, { alg: 'ES384' })],
        ['genuine key, iat 6 minutes old', body, sandbox.signWebhook(body, { iat: now - 360 })],
        ['genuine key, iat 1 hour old', body, sandbox.signWebhook(body, { iat: now - 3600 })],
        ['genuine key, iat 5 minutes ahead', body, sandbox.signWebhook(body, { iat: now + 300 })],
        ['genuine key, iat 0', body, sandbox.signWebhook(body, { iat: 0 })],
        ['genuine JWT, one byte of the body changed', body.replace('"sandbox"', '"sandboX"'), genuine],
        ['genuine JWT, whitespace appended to the body', `${body} `, genuine],
        ['genuine JWT of the sync webhook on this body', body, genuineJwt],
        ["genuine key, another body's hash claimed", body, sandbox.signWebhook(body, { bodySha256: '0'.repeat(64) })],
        ['kid with SQL metacharacters', body, forgeJwt({ ...es, kid: "' OR '1'='1" }, claims(body))],
        ['kid with path traversal', body, forgeJwt({ ...es, kid: '../../../../etc/passwd' }, claims(body))],
        ['kid a number', body, forgeJwt({ ...es, kid: 12345 }, claims(body))],
        ['kid an object', body, forgeJwt({ ...es, kid: { $ne: null } }, claims(body))],
        ['kid 8 KiB long', body, forgeJwt({ ...es, kid: 'k'.repeat(8192) }, claims(body))],
        ['no kid', body, forgeJwt({ alg: 'ES256', typ: 'JWT' }, claims(body))],
        ['header re-encoded (signature over the original)', body, `${b64url(JSON.stringify(es, null, 1))}.${gp}.${gs}`],
        ['genuine JWT and a forgery in one header', body, `${forgeJwt(es, claims(body))}, ${genuineJwt}`],
      ];
      for (const [what, sent, header] of forgeries) {
        const ex = await post(sent, header);
        const unchanged = (await status()) === 'active' && sandbox.state.item(itemId)?.status === 'active';
        tally.attempt(!accepted(ex) && unchanged, `${name}: ${what} (answer ${ex.status} ${ex.body.slice(0, 80)})`);
        if (!unchanged) throw new Error(`${name}: "${what}" changed the item; later attempts would prove nothing`);
      }
    }
    const replays = [
      ['replay of a genuine JWT', genuineJwt],
      ['replay, signature re-encoded with high s', highS(genuineJwt)],
      ['replay, base64 padding appended to the signature', `${genuineJwt}==`],
    ];
    for (const [what, jwt] of replays) {
      const ex = await post(sync, /** @type {string} */ (jwt));
      tally.attempt(!accepted(ex), `${what} (answer ${ex.status} ${ex.body.slice(0, 80)})`);
    }
    // Control: the login-required payload, genuinely signed, does what the forgeries could not.
    const control = await post(payloads.login_required, sandbox.signWebhook(payloads.login_required));
    if (!accepted(control) || (await status()) !== 'login_required')
      throw new Error('control: the genuine login-required webhook did not apply');
    log(`${tally.tried} forgeries`);
    tally.note(
      `${tally.tried} forged posts (${(tally.tried - 3) / 2} forgeries x 2 payloads, 3 replays); genuine controls accepted before and after`,
    );
  },
};
