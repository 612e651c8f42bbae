/**
 * The KV REST API settings (Vercel KV, Upstash): either pair of variables,
 * checked together. A KV is an L2 tier without a pub/sub bus, so it always
 * runs in serverless mode.
 */
import { z } from 'zod';

/** Default per-call deadlines: TCP Redis in the same network, and a KV over HTTPS (a first request also pays TLS). */
export const REDIS_TIMEOUT_MS = 50;
export const KV_TIMEOUT_MS = 200;

/** https://, or http:// to a loopback host only (the token travels as a Bearer header). */
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const kvUrl = (variable: string) => {
  const hint = `${variable} must be an https:// URL (http:// only for 127.0.0.1 or localhost)`;
  return z
    .string({ error: hint })
    .trim()
    .min(1, { error: hint })
    .refine(
      (v) => {
        if (!URL.canParse(v)) return false;
        const u = new URL(v);
        return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
      },
      { error: hint },
    );
};

export interface KvVariables {
  KV_REST_API_URL?: string | undefined;
  KV_REST_API_TOKEN?: string | undefined;
  UPSTASH_REDIS_REST_URL?: string | undefined;
  UPSTASH_REDIS_REST_TOKEN?: string | undefined;
  VAULT_REDIS_URL?: string | undefined;
  VAULT_SERVERLESS?: boolean | undefined;
}

/**
 * The KV REST API from either pair of variables: each pair complete, both
 * pairs (Vercel's integration can set both) naming the same database, not
 * beside VAULT_REDIS_URL, and not with serverless mode turned off.
 */
export function kvFrom(c: KvVariables, problems: { variable: string; message: string }[]): { url: string; token: string } | undefined {
  const pairs = [
    { url: c.KV_REST_API_URL, token: c.KV_REST_API_TOKEN, names: ['KV_REST_API_URL', 'KV_REST_API_TOKEN'] as const },
    {
      url: c.UPSTASH_REDIS_REST_URL,
      token: c.UPSTASH_REDIS_REST_TOKEN,
      names: ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'] as const,
    },
  ];
  const set: { url: string; token: string }[] = [];
  for (const { url, token, names } of pairs) {
    if ((url === undefined) !== (token === undefined)) {
      const missing = url === undefined ? names[0] : names[1];
      problems.push({ variable: missing, message: `set both ${names[0]} and ${names[1]}, or neither` });
    } else if (url !== undefined && token !== undefined) set.push({ url, token });
  }
  if (set.length === 2 && (set[0]!.url !== set[1]!.url || set[0]!.token !== set[1]!.token)) {
    problems.push({ variable: 'UPSTASH_REDIS_REST_URL', message: 'names another database than KV_REST_API_URL; set one pair' });
  }
  const kv = set[0];
  if (kv === undefined) return undefined;
  if (c.VAULT_REDIS_URL !== undefined) {
    problems.push({ variable: 'VAULT_REDIS_URL', message: 'set VAULT_REDIS_URL or a KV REST API (KV_REST_API_URL), not both' });
  }
  if (c.VAULT_SERVERLESS === false) {
    problems.push({
      variable: 'VAULT_SERVERLESS',
      message: 'a KV REST API has no invalidation bus; it always runs in serverless mode (unset VAULT_SERVERLESS)',
    });
  }
  return kv;
}
