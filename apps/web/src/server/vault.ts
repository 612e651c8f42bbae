import 'server-only';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { PlaidEnv, Vault, VaultConfigInput } from 'plaid-vault';
import { ConfigInvalidError, parseConfig } from 'plaid-vault/config';
import { createAppDb, type AppDb } from './app-database.server';
import { createTransactionsStore } from './transactions-store';
import { createSessions, type Sessions } from './auth/sessions';
import { deriveSessionKey } from './auth/session-cookie';
import { createSignInThrottle } from './auth/signin-throttle';
import { signInThrottleSettingsFrom } from './auth/signin-throttle-settings';
import { createSignUpLimit } from './auth/signup-limit';
import { signUpLimitSettingsFrom } from './auth/signup-limit-settings';
import { createPasswordGate, passwordGateSettingsFrom } from './auth/password-gate';
import { SERVICES_KEY } from './services-key';
import { plaidModeFrom } from '../plaid-mode';
import { createEmulatorControl, type EmulatorControl } from './emulator-control';
import type { Sandbox } from 'plaid-sandbox';
import { loadHttpModule, loadSandboxModule, loadVaultModule } from './vault-runtime';
import { needsGeneratedVaultKey } from './vault-key-source';

/**
 * The composition root of the reference app: the one module that reads
 * process.env. Everything else receives what it needs from `getServices()`.
 *
 * Embedded defaults (no Plaid credentials): plaid-sandbox in this process on a
 * free port, SQLite and generated development secrets in `<cwd>/.data`
 * (`apps/web/.data` under `npm start`), L1 cache only. With VAULT_DATABASE_URL,
 * VAULT_REDIS_URL and PLAID_CLIENT_ID/PLAID_SECRET/PLAID_ENV the same code runs
 * on PostgreSQL, Redis and real Plaid, and then refuses generated secrets.
 */

export interface WebSettings {
  /** Plaid is the offline emulator (banner). */
  readonly emulator: boolean;
  /**
   * Where the browser loads Plaid Link from: Plaid's CDN, or the emulator's copy.
   * Null when no Link can load (the embedded emulator has no fixed port): the
   * sandbox connect form stands in.
   */
  readonly linkScriptUrl: string | null;
  /** `/link/sandbox` and the sandbox reconnect are available (emulator or Plaid sandbox). */
  readonly sandboxTools: boolean;
  /** Test-only pages (the taint proof) are served. */
  readonly testRoutes: boolean;
  /** The header a trusted proxy puts the client's address in (WEB_CLIENT_IP_HEADER), or null: no per-client limit. */
  readonly clientIpHeader: string | null;
}

export interface WebServices {
  readonly vault: Vault;
  readonly db: AppDb;
  readonly sessions: Sessions;
  readonly http: { fetch(req: Request): Response | Promise<Response> };
  readonly settings: WebSettings;
  /** The vault error code of `err` (any copy of the package), or undefined for other errors. */
  readonly errorCode: (err: unknown) => string | undefined;
  /** Flush the audit log, close the database pools and the in-process emulator. */
  close(): Promise<void>;
  /** Emulator only: stands in for the bank's side of Link update mode. */
  readonly emulator: EmulatorControl | null;
}

type Holder = { [SERVICES_KEY]?: Promise<WebServices> };

/**
 * The app's services, created once per process on first use. Kept on
 * globalThis so that Next's module reloading (dev) and its separate route
 * bundles share one vault, one token cache and one database pool.
 */
export function getServices(): Promise<WebServices> {
  const holder = globalThis as Holder;
  holder[SERVICES_KEY] ??= create(process.env).catch((err: unknown) => {
    delete holder[SERVICES_KEY];
    throw err;
  });
  return holder[SERVICES_KEY];
}

/** Read a secret file, or create it (mode 0600) with `make()` when missing. */
function devSecret(path: string, make: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return value;
}

async function create(env: NodeJS.ProcessEnv): Promise<WebServices> {
  const dataDir = resolve(/*turbopackIgnore: true*/ env.WEB_DATA_DIR ?? join(process.cwd(), '.data'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const { plaidEnv, emulator, emulatorPort, ...mode } = plaidModeFrom(env);
  let linkScriptUrl = mode.linkScriptUrl;

  // The emulator signs and delivers Item webhooks (login required / repaired) like Plaid;
  // by default they come back to this server's own webhook route.
  const webhookUrl =
    emulator && env.PLAID_WEBHOOK_URL === undefined ? `http://127.0.0.1:${env.PORT ?? '3000'}/api/webhooks/plaid` : undefined;

  // Generated secrets only for the offline emulator: anything that can reach a
  // real bank must be given its keys, or it does not start (fail closed).
  let generatedKeys: string | undefined;
  if (needsGeneratedVaultKey(env, emulator)) {
    generatedKeys = devSecret(join(dataDir, 'dev-vault-keys'), () => `dev1:${randomBytes(32).toString('base64')}`);
    console.warn(`[plaid-vault web] using a generated development key in ${join(dataDir, 'dev-vault-keys')}`);
  }
  let sessionSecret = env.SESSION_SECRET;
  if (!sessionSecret) {
    if (!emulator)
      throw new ConfigInvalidError('SESSION_SECRET is required when Plaid is not the emulator.', {
        details: { variable: 'SESSION_SECRET' },
      });
    sessionSecret = devSecret(join(dataDir, 'session-secret'), () => randomBytes(32).toString('base64'));
  }
  if (sessionSecret.length < 32)
    throw new ConfigInvalidError('SESSION_SECRET must be at least 32 characters.', { details: { variable: 'SESSION_SECRET' } });
  // Validated before anything is started: a bad limit stops the app rather than weakening sign-in or sign-up.
  const throttleSettings = signInThrottleSettingsFrom(env);
  const signUpSettings = signUpLimitSettingsFrom(env);
  const gateSettings = passwordGateSettingsFrom(env);

  let baseUrl = env.PLAID_BASE_URL ?? null;
  let sandbox: Sandbox | null = null;
  if (emulator && !baseUrl) {
    const { startSandbox } = await loadSandboxModule();
    // Persisted next to the vault's database: a restart must find the Items (and tokens) the vault holds.
    const start = (port: number) =>
      startSandbox({
        port,
        clientId: 'embedded-client',
        secret: randomBytes(16).toString('hex'),
        persistPath: join(dataDir, 'plaid-sandbox.json'),
      });
    // Link loads from the emulator's port, which the page CSP names (PLAID_EMULATOR_PORT, chosen by
    // scripts/start.js). If another process took it meanwhile, run on any port without Link.
    sandbox = await start(emulatorPort).catch((err: unknown) => {
      if (!emulatorPort || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
      console.warn(`[plaid-vault web] port ${emulatorPort} is taken: the emulator runs without Link (the sandbox form stands in)`);
      linkScriptUrl = env.PLAID_LINK_SCRIPT_URL ? linkScriptUrl : null;
      return start(0);
    });
    baseUrl = sandbox.url;
  }

  // The app's choices, as typed settings over what the environment says: the vault's files in the
  // app's data directory (unless VAULT_DATA_DIR says otherwise), the generated key, the embedded
  // emulator and the webhook route. parseConfig reads the rest of the environment, once.
  const input: VaultConfigInput = {
    ...(env.VAULT_DATA_DIR === undefined && { dataDir }),
    ...(generatedKeys !== undefined && { keys: generatedKeys }),
    plaid: {
      // Decided with the Link mode above (credentials without PLAID_ENV mean Plaid's sandbox); parseConfig validates it.
      env: plaidEnv as PlaidEnv,
      ...(sandbox && { baseUrl: sandbox.url, clientId: sandbox.clientId, secret: sandbox.secret }),
      ...(webhookUrl !== undefined && { webhookUrl }),
    },
  };
  const [{ createVault, isVaultError }, { createHttpApp, createVaultMetrics }] = await Promise.all([loadVaultModule(), loadHttpModule()]);
  // One collector for the vault (Plaid latency, rotations) and the /metrics route; only when metrics are enabled.
  const collector = env.VAULT_METRICS_TOKEN ? createVaultMetrics() : undefined;
  // A failed start must not leave the emulator, the app database or the vault open: the next request tries again from scratch.
  const started = (async () => {
    const config = parseConfig(input, env);
    const { url: databaseUrl, schema } = config.database;
    // The app's tables sit in the vault's database, read by the vault's own rules.
    const db = await createAppDb(databaseUrl, schema !== undefined ? { schema } : {});
    const transactions = createTransactionsStore(db);
    const vault = await createVault({
      config,
      ...(collector && { metrics: collector }),
      // A removed item's synced transactions go with it, whichever way it was removed (the vault already shredded its token).
      onItemRemoved: ({ itemId }) => transactions.forget(itemId),
    }).catch(async (err: unknown) => {
      await db.destroy();
      throw err;
    });
    return { db, vault };
  })();
  const { db, vault } = await started.catch(async (err: unknown) => {
    await sandbox?.close();
    throw err;
  });
  // Secure cookies are accepted on http://localhost by browsers, so production mode always sets them.
  const secure = env.NODE_ENV === 'production' && env.SESSION_COOKIE_INSECURE !== '1';
  const authLogger = { warn: (obj: object, msg?: string) => console.warn(`[plaid-vault web] ${msg ?? 'warning'}`, JSON.stringify(obj)) };
  const throttle = createSignInThrottle(db, throttleSettings, { logger: authLogger });
  const signUpLimit = createSignUpLimit(db, signUpSettings, { logger: authLogger });
  const sessions = createSessions(db, deriveSessionKey(Buffer.from(sessionSecret)), {
    secure,
    throttle,
    signUpLimit,
    gate: createPasswordGate(gateSettings),
  });

  const settings: WebSettings = {
    emulator,
    linkScriptUrl,
    sandboxTools: emulator || plaidEnv === 'sandbox',
    testRoutes: env.WEB_TEST_ROUTES === '1',
    clientIpHeader: throttleSettings.clientIpHeader,
  };
  const http = createHttpApp({
    vault,
    basePath: '/api',
    getUserId: async (req: Request) => (await sessions.userIdFromRequest(req)) ?? null,
    // Where the browser loads the app from; behind a proxy or on another host set APP_ORIGIN.
    allowedOrigins: env.APP_ORIGIN
      ? env.APP_ORIGIN.split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : [`http://localhost:${env.PORT ?? '3000'}`, `http://127.0.0.1:${env.PORT ?? '3000'}`],
    sandboxLinkEnabled: settings.sandboxTools,
    metrics: env.VAULT_METRICS_TOKEN && collector ? { token: env.VAULT_METRICS_TOKEN, collector } : false,
  });
  // An out-of-process emulator (PLAID_BASE_URL, started with --admin) serves /__admin/items/repair_login
  // itself; PLAID_EMULATOR_ADMIN_URL overrides where. The embedded one is called in-process and keeps its
  // unauthenticated /__admin routes off.
  const emulatorControl = emulator ? createEmulatorControl(sandbox, env.PLAID_EMULATOR_ADMIN_URL ?? baseUrl) : null;
  const errorCode = (err: unknown) => (isVaultError(err) ? err.code : undefined);
  const close = async () => {
    await vault.close();
    await db.destroy();
    await sandbox?.close();
  };
  return { vault, db, sessions, http, settings, emulator: emulatorControl, errorCode, close };
}
