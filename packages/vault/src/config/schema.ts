/**
 * The configuration schema, keyed by environment variable name so that every
 * error names the variable to fix; each message says what is wrong and what
 * to write instead.
 */
import { z } from 'zod';
import { DEFAULT_KEYS_COMMAND_TIMEOUT_MS } from '../key-sources/key-command.js';
import { PLAID_COUNTRY_CODES, PLAID_PRODUCTS } from '../plaid/names.js';
import { DATABASE_URL_RULE, databaseDialect, SCHEMA_NAME } from './database-url.js';
import { kvUrl } from './kv-config.js';
import { CLUSTER_NODES_HINT } from './redis-cluster-config.js';

const PRODUCTS = new Set<string>(PLAID_PRODUCTS);
const COUNTRIES = new Set<string>(PLAID_COUNTRY_CODES);

const text = (hint: string) => z.string({ error: hint }).trim().min(1, { error: hint });
const whole = (min: number, hint: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: hint }).int({ error: hint }).min(min, { error: hint }),
  );
const url = (protocols: string[], hint: string) =>
  text(hint).refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), { error: hint });
const list = (hint: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(z.string({ error: hint }), { error: hint }),
  );
const flag = (hint: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' ? ({ true: true, '1': true, false: false, '0': false } as Record<string, boolean>)[v.trim().toLowerCase()] : v,
    z.boolean({ error: hint }),
  );

function noDuplicates(values: string[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) ctx.addIssue({ code: 'custom', message: `"${value}" is listed twice; list each once` });
    seen.add(value);
  }
}

export const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  VAULT_DATA_DIR: text('VAULT_DATA_DIR must be a directory path (default .data)').default('.data'),
  VAULT_DATABASE_URL: text(DATABASE_URL_RULE)
    .refine((v) => databaseDialect(v) !== undefined, { error: DATABASE_URL_RULE })
    .optional(),
  VAULT_DATABASE_SCHEMA: z
    .string()
    .regex(SCHEMA_NAME, {
      error: 'VAULT_DATABASE_SCHEMA must be a PostgreSQL identifier (letters, digits, _; at most 63)',
    })
    .optional(),
  VAULT_REDIS_URL: url(['redis:', 'rediss:'], 'VAULT_REDIS_URL must be redis://HOST:PORT or rediss://HOST:PORT').optional(),
  // Parsed in parseConfig (clusterFrom), which names the entry at fault without echoing it.
  VAULT_REDIS_CLUSTER_NODES: z.union([z.string(), z.array(z.string())], { error: CLUSTER_NODES_HINT }).optional(),
  VAULT_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'VAULT_NAMESPACE must be 1-64 of A-Z a-z 0-9 _ -' })
    .default('default'),
  VAULT_CACHE_TTL_MS: whole(0, 'VAULT_CACHE_TTL_MS must be a whole number of milliseconds >= 0 (default 300000)').default(300_000),
  VAULT_CACHE_MAX: whole(0, 'VAULT_CACHE_MAX must be a whole number >= 0 (0 turns L1 off; default 10000)').default(10_000),
  VAULT_REDIS_TTL_S: whole(1, 'VAULT_REDIS_TTL_S must be a whole number of seconds >= 1 (default 3600)').default(3600),
  // The default depends on the tier (TCP 50 ms, KV REST 200 ms): resolved in parseConfig.
  VAULT_REDIS_TIMEOUT_MS: whole(
    1,
    'VAULT_REDIS_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 50; 200 with a KV REST API)',
  ).optional(),
  // KV REST API: Vercel's names and Upstash's.
  KV_REST_API_URL: kvUrl('KV_REST_API_URL').optional(),
  KV_REST_API_TOKEN: text("KV_REST_API_TOKEN must be the KV database's REST token").optional(),
  UPSTASH_REDIS_REST_URL: kvUrl('UPSTASH_REDIS_REST_URL').optional(),
  UPSTASH_REDIS_REST_TOKEN: text("UPSTASH_REDIS_REST_TOKEN must be the database's REST token").optional(),
  VAULT_SERVERLESS: flag('VAULT_SERVERLESS must be true or false (1 or 0)').optional(),
  // Keys stay unparsed here (loadKeyring owns that); an empty value is kept so it fails there instead of falling back to a dev key.
  VAULT_KEYS: z.string({ error: 'VAULT_KEYS must be a string of kid:base64 entries' }).optional(),
  VAULT_KEYS_FILE: text('VAULT_KEYS_FILE must be a file path').optional(),
  VAULT_KEYS_COMMAND: text('VAULT_KEYS_COMMAND must be a shell command that prints the keyring').optional(),
  VAULT_KEYS_COMMAND_TIMEOUT_MS: whole(
    1,
    'VAULT_KEYS_COMMAND_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 10000)',
  ).default(DEFAULT_KEYS_COMMAND_TIMEOUT_MS),
  VAULT_DEV_KEY_FILE: text('the development key file must be a path').optional(),
  VAULT_RECOVERY_DIR: text('VAULT_RECOVERY_DIR must be a directory path').optional(),
  VAULT_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'VAULT_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  VAULT_METRICS_TOKEN: z
    .string()
    .min(16, { error: 'VAULT_METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 32)' })
    .optional(),
  VAULT_AUTO_MIGRATE: flag('VAULT_AUTO_MIGRATE must be true or false').default(true),
  VAULT_AUDIT_MODE: z
    .enum(['buffered', 'strict'], { error: 'VAULT_AUDIT_MODE must be buffered (the default) or strict' })
    .default('buffered'),
  VAULT_AUDIT_STRICT_TIMEOUT_MS: whole(
    1,
    'VAULT_AUDIT_STRICT_TIMEOUT_MS must be a whole number of milliseconds >= 1 (default 1000)',
  ).default(1000),
  PLAID_ENV: z.enum(['emulator', 'sandbox', 'production'], { error: 'PLAID_ENV must be emulator, sandbox or production' }).optional(),
  PLAID_CLIENT_ID: text('PLAID_CLIENT_ID must be your Plaid client id').optional(),
  PLAID_SECRET: text('PLAID_SECRET must be your Plaid secret').optional(),
  PLAID_BASE_URL: url(['http:', 'https:'], 'PLAID_BASE_URL must be an http(s) URL').optional(),
  PLAID_PRODUCTS: list('PLAID_PRODUCTS must be a comma-separated list such as transactions')
    .default(['transactions'])
    .superRefine((values, ctx) => {
      if (values.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one product, e.g. transactions' });
      for (const value of values) {
        if (value === 'balance')
          ctx.addIssue({ code: 'custom', message: '"balance" cannot be requested (it comes with every product); remove it' });
        else if (!PRODUCTS.has(value))
          ctx.addIssue({ code: 'custom', message: `"${value}" is not a Plaid product (e.g. transactions, auth, identity)` });
      }
      noDuplicates(values, ctx);
    }),
  PLAID_COUNTRY_CODES: list('PLAID_COUNTRY_CODES must be a comma-separated list such as US,CA')
    .transform((values) => values.map((v) => v.toUpperCase()))
    .default(['US'])
    .superRefine((values, ctx) => {
      if (values.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one country code, e.g. US' });
      for (const value of values) {
        if (!COUNTRIES.has(value))
          ctx.addIssue({ code: 'custom', message: `"${value}" is not a supported country (${[...COUNTRIES].join(', ')})` });
      }
      noDuplicates(values, ctx);
    }),
  PLAID_WEBHOOK_URL: url(['http:', 'https:'], 'PLAID_WEBHOOK_URL must be an http(s) URL').optional(),
  PLAID_CLIENT_NAME: text('PLAID_CLIENT_NAME must be 1-100 characters')
    .pipe(z.string().max(100, { error: 'PLAID_CLIENT_NAME must be 1-100 characters' }))
    .default('plaid-vault'),
  PLAID_DUPLICATE_POLICY: z
    .enum(['replace', 'keep', 'reject'], { error: 'PLAID_DUPLICATE_POLICY must be replace, keep or reject' })
    .default('replace'),
});

/** The schema's input: every setting as its environment variable, unparsed. */
export type RawConfig = z.input<typeof configSchema>;
