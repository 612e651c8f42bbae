import 'server-only';

// The workspace packages resolve (through their symlinks) outside node_modules, so
// Turbopack bundles them despite serverExternalPackages, once per route bundle. An
// import the bundler ignores loads them with Node's own loader from their dist/ at
// run time instead: one copy of the vault's modules, and a rebuilt package needs no
// Next rebuild. Types still come from the packages.
type VaultModule = typeof import('plaid-vault');
type HttpModule = typeof import('plaid-vault/http');
type SandboxModule = typeof import('plaid-sandbox');

export const loadVaultModule = (): Promise<VaultModule> => import(/* turbopackIgnore: true */ 'plaid-vault');
export const loadHttpModule = (): Promise<HttpModule> => import(/* turbopackIgnore: true */ 'plaid-vault/http');
export const loadSandboxModule = (): Promise<SandboxModule> => import(/* turbopackIgnore: true */ 'plaid-sandbox');
