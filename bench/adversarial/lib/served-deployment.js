// The setup most classes share: a database of their own, one deployment's
// settings, `plaid-vault serve` on them, and a backend's client for it.
import { serveClient } from './http.js';
import { startServe } from './processes.js';
import { createDatabase, preferredDialect } from './services.js';
import { deployment } from './vault-setup.js';

/**
 * @param {import('./scope.js').Scope} scope
 * @param {object} o
 * @param {string} o.name names the temp directory
 * @param {'sqlite' | 'postgres' | 'preferred'} [o.dialect] preferred = PostgreSQL when reachable
 * @param {{ url: string, clientId: string, secret: string }} o.plaid the sandbox, or a proxy in front of it
 * @param {string} [o.redisUrl]
 * @param {string} [o.namespace]
 * @param {Record<string, string>} [o.extra]
 */
export async function servedDeployment(scope, { name, dialect = 'preferred', plaid, redisUrl, namespace, extra }) {
  const resolved = dialect === 'preferred' ? await preferredDialect() : dialect;
  const dir = scope.tempDir(name);
  const db = await createDatabase(scope, resolved, dir);
  const dep = deployment({ db, dataDir: dir, plaid, redisUrl, namespace, extra });
  const serve = await startServe(scope, dep.env);
  return { dialect: resolved, db, dep, serve, api: serveClient(serve.url, dep.apiKey) };
}
