import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The public key as `/webhook_verification_key/get` serves it. */
export interface WebhookVerificationKey {
  alg: 'ES256';
  crv: string;
  kid: string;
  kty: string;
  use: 'sig';
  x: string;
  y: string;
  created_at: number;
  expired_at: number | null;
}

/** Options for signing arbitrary bodies, to build forged or stale webhooks in tests. */
export interface SignWebhookOptions {
  /** Issued-at, Unix seconds; default now. */
  iat?: number;
  /** `kid` header; default the active key's. */
  kid?: string;
  /** `alg` header; default ES256. The signature is ES256 whatever this says, except `none` (no signature). */
  alg?: string;
  /** Claimed body hash; default the real SHA-256 of `body`. */
  bodySha256?: string;
  /** Sign with a throwaway key that the sandbox never serves. */
  foreignKey?: boolean;
}

/** A persisted signing key: the private JWK plus its public metadata. */
export interface StoredSigningKey {
  privateJwk: JsonWebKey;
  public: WebhookVerificationKey;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Holds the ES256 webhook signing keys (active first) and signs `Plaid-Verification` JWTs. */
export class WebhookSigner {
  readonly #now: () => Date;
  #keys: { key: KeyObject; stored: StoredSigningKey }[];

  constructor(now: () => Date, stored?: readonly StoredSigningKey[]) {
    this.#now = now;
    this.#keys = (stored ?? []).map((s) => ({ key: createPrivateKey({ key: s.privateJwk, format: 'jwk' }), stored: s }));
    if (this.#keys.length === 0) this.rotate();
  }

  /** The `kid` new webhooks are signed with. */
  get activeKid(): string {
    return this.#keys[0]!.stored.public.kid;
  }

  /** Starts signing with a new key; the old one stays served with `expired_at` set. */
  rotate(): string {
    const nowSec = Math.floor(this.#now().getTime() / 1000);
    const old = this.#keys[0];
    if (old) old.stored.public.expired_at = nowSec;
    this.#keys.unshift(generated(nowSec));
    return this.activeKid;
  }

  /** The public JWK for `kid`, or undefined. */
  publicKey(kid: string): WebhookVerificationKey | undefined {
    const found = this.#keys.find((k) => k.stored.public.kid === kid);
    return found ? { ...found.stored.public } : undefined;
  }

  /** A compact JWS over `{ iat, request_body_sha256 }` for exactly these body bytes. */
  sign(body: string, opts: SignWebhookOptions = {}): string {
    const header = { alg: opts.alg ?? 'ES256', kid: opts.kid ?? this.activeKid, typ: 'JWT' };
    const payload = {
      iat: opts.iat ?? Math.floor(this.#now().getTime() / 1000),
      request_body_sha256: opts.bodySha256 ?? createHash('sha256').update(body).digest('hex'),
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    if (header.alg === 'none') return `${input}.`;
    const key = opts.foreignKey ? generated(0).key : this.#keys[0]!.key;
    // JWS wants the raw 64-byte R||S signature, not DER.
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }

  /** Keys for persistence (the sandbox's own throwaway keys, never real secrets). */
  export(): StoredSigningKey[] {
    return this.#keys.map((k) => k.stored);
  }
}

function generated(createdAt: number): { key: KeyObject; stored: StoredSigningKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    key: privateKey,
    stored: {
      privateJwk: privateKey.export({ format: 'jwk' }),
      public: {
        alg: 'ES256',
        crv: jwk.crv!,
        kid: randomUUID(),
        kty: jwk.kty!,
        use: 'sig',
        x: jwk.x!,
        y: jwk.y!,
        created_at: createdAt,
        expired_at: null,
      },
    },
  };
}
