import { createHash, randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ConfigInvalidError } from '../errors.js';
import { OPERATOR_ID } from '../operator-ids.js';
import { idSchema } from './schemas.js';
import { bearerToken } from './bearer-token.js';

export interface ServiceApiKey {
  /** A label for operators (which backend holds the key); never secret. */
  id: string;
  /** `hashApiKey(key)`: `sha256:<b64url>` or `scrypt:<N>:<r>:<p>:<salt>:<hash>`. Never the key itself. */
  hash: string;
}

export interface ServiceAuthOptions {
  apiKeys: ServiceApiKey[];
  /** Header carrying the user id the calling backend vouches for; default `x-plaid-vault-user`. */
  userHeader?: string;
}

type Verifier = { kind: 'sha256'; digest: Buffer } | { kind: 'scrypt'; salt: Buffer; digest: Buffer; params: ScryptOptions };

const KEY_PREFIX = 'pvk_';
const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;

/** A new service API key: `pvk_` + 32 random bytes (base64url). Show it once; store only `hashApiKey(key)`. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of an API key. SHA-256 is the default and is enough for
 * generated keys (256 random bits: nothing to guess); scrypt is there for
 * keys an operator chose by hand, and costs ~50 ms per configured key on
 * every request.
 *
 * @example hashApiKey(generateApiKey()) // 'sha256:3q2-7w...'
 */
export function hashApiKey(key: string, opts: { algorithm?: 'sha256' | 'scrypt' } = {}): string {
  if (opts.algorithm === 'scrypt') {
    const salt = randomBytes(16);
    const { N, r, p } = SCRYPT_PARAMS;
    const digest = scryptSync(key, salt, 32, { N, r, p });
    return `scrypt:${N}:${r}:${p}:${salt.toString('base64url')}:${digest.toString('base64url')}`;
  }
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('base64url')}`;
}

function parseHash(entry: ServiceApiKey, index: number): Verifier {
  if (typeof entry.id !== 'string' || !OPERATOR_ID.test(entry.id)) {
    throw new ConfigInvalidError(`API key ${index + 1} needs an id of 1-64 letters, digits, . _ or -.`);
  }
  const parts = typeof entry.hash === 'string' ? entry.hash.split(':') : [];
  if (parts[0] === 'sha256' && parts.length === 2) {
    const digest = Buffer.from(parts[1]!, 'base64url');
    if (digest.length === 32) return { kind: 'sha256', digest };
  }
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
    const salt = Buffer.from(parts[4]!, 'base64url');
    const digest = Buffer.from(parts[5]!, 'base64url');
    // Bounded so a bad entry fails here, not as a 500 (or a memory spike) on every request.
    const sane =
      [N, r, p].every(Number.isInteger) && N >= 1024 && N <= 1 << 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
    if (sane && salt.length >= 16 && digest.length === 32) {
      return { kind: 'scrypt', salt, digest, params: { N, r, p, maxmem: 256 * N * r } };
    }
  }
  // Names the key id only: the hash is not secret, but a pasted raw key might be.
  throw new ConfigInvalidError(`API key "${entry.id}" has no valid hash (expected sha256:... or scrypt:...).`);
}

function scrypt(key: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(key, salt, 32, params, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * `getUserId` for the standalone server (`plaid-vault serve`).
 *
 * Trust model: the vault does not know end users here. A backend (in any
 * language) authenticates its own users, then calls the vault with
 * `Authorization: Bearer <service key>` and the user id in the trusted
 * header. The key proves the caller is that backend; the header is believed
 * only because of the key and is ignored without one. So a key holder can act
 * as ANY user: issue keys only to backends, keep the server on a private
 * network or behind TLS, and never let a browser hold a key or set the header.
 *
 * The presented key is hashed and compared in constant time against every
 * configured key (no early exit, so timing does not tell which key or prefix
 * matched). Keys are stored hashed.
 *
 * @example
 * const getUserId = createServiceAuth({ apiKeys: [{ id: 'billing', hash: process.env.BILLING_KEY_HASH! }] });
 * const app = createHttpApp({ vault, getUserId });
 */
export function createServiceAuth(opts: ServiceAuthOptions): (req: Request) => Promise<string | null> {
  if (opts.apiKeys.length === 0) throw new ConfigInvalidError('At least one service API key is required.');
  const verifiers = opts.apiKeys.map((entry, index) => parseHash(entry, index));
  const header = (opts.userHeader ?? 'x-plaid-vault-user').toLowerCase();
  if (!/^[a-z0-9-]{1,64}$/.test(header)) throw new ConfigInvalidError('userHeader must be an HTTP header name.');

  return async (req) => {
    const key = bearerToken(req.headers.get('authorization'));
    if (key === null) return null;
    const sha = createHash('sha256').update(key, 'utf8').digest();
    let matched = false;
    for (const v of verifiers) {
      const actual = v.kind === 'sha256' ? sha : await scrypt(key, v.salt, v.params);
      // The comparison runs before `|| matched`: every key is checked, no early exit.
      matched = timingSafeEqual(actual, v.digest) || matched;
    }
    if (!matched) return null;
    const userId = req.headers.get(header);
    return userId !== null && idSchema.safeParse(userId).success ? userId : null;
  };
}
