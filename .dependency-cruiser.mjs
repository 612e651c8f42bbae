/**
 * The import rules of the workspace: `npm run depcheck`, which `npm test` (and
 * so CI) runs before the tests. Type-only imports count like any other. The
 * layout they keep is in the README ("Where things live") and in DECISIONS.
 *
 * packages/vault/src in layers; a folder imports only from its own layer or
 * the layers below it:
 *
 *   faces      index.ts, http/, testing/, cli/,    what users import or run
 *              next/, postgres/
 *   root       vault.ts, lazy-features.ts,         the one composition root (vault.ts loads
 *              wire-features.ts                    wire-features.ts on first use: lazy-features.ts)
 *   admin      keys/, import/, doctor/, metrics/   library pieces the root wires (the CLI reaches
 *                                                  keys/, import/ and doctor/ through the vault only)
 *   features   items/  <-  rotation/, data/, webhooks/ (which do not import each other)
 *   services   cache/, audit/, context.ts
 *   adapters   config/, key-sources/, store/, plaid/, logging/, drivers/ (the optional packages' loaders,
 *              which import only errors.ts)
 *   pure       crypto/                              node built-ins and the leaves only
 *   leaves     errors.ts, operator-ids.ts, types/  import nothing else of the package
 */
const VAULT = '^packages/vault/src/';
const v = (...paths) => `${VAULT}(${paths.join('|')})`;

const LEAVES = ['errors\\.ts$', 'operator-ids\\.ts$', 'types/'];
const ADAPTERS = ['config/', 'key-sources/', 'store/', 'plaid/', 'logging/', 'drivers/'];
const SERVICES = ['cache/', 'audit/', 'context\\.ts$'];
const FEATURES = ['items/', 'rotation/', 'data/', 'webhooks/'];
const ADMIN = ['keys/', 'import/', 'doctor/', 'metrics/'];
const ROOT = ['vault\\.ts$', 'lazy-features\\.ts$', 'wire-features\\.ts$'];
/** What a cold token read does not load (the features and admin pieces wire-features.ts wires). */
const ON_FIRST_USE = ['rotation/', 'data/', 'webhooks/', 'keys/', 'import/', 'doctor/', 'metrics/', 'wire-features\\.ts$'];
const FACES = ['index\\.ts$', 'http/', 'testing/', 'cli/', 'next/', 'postgres/'];

/** A rule: modules under `from` import nothing under `to` (paths inside packages/vault/src). */
function forbid(name, comment, from, to) {
  return { name, comment, severity: 'error', from: { path: v(...from) }, to: { path: v(...to) } };
}

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included: every module can be read after the ones it imports.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'errors.ts, operator-ids.ts and the public types (types/) import nothing of the package but each other and the Secret type.',
      severity: 'error',
      from: { path: v(...LEAVES) },
      to: { path: VAULT, pathNot: v(...LEAVES, 'crypto/secret\\.ts$') },
    },
    {
      name: 'crypto-is-pure',
      comment:
        'crypto/ (keyring parsing, envelopes, Secret, CRC, key generation) does no I/O and imports nothing of the package but the leaves errors.ts and operator-ids.ts.',
      severity: 'error',
      from: { path: v('crypto/') },
      to: { path: VAULT, pathNot: v('crypto/', 'errors\\.ts$', 'operator-ids\\.ts$') },
    },
    {
      name: 'crypto-uses-node-only',
      comment: 'crypto/ uses node built-ins only: no npm package runs beside the keys.',
      severity: 'error',
      from: { path: v('crypto/') },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'drivers-load-packages-only',
      comment:
        'drivers/ loads the optional packages (pg, ioredis, better-sqlite3, the Plaid SDK...) on first use; it imports nothing of the package but errors.ts, so every adapter may use it without a folder cycle.',
      severity: 'error',
      from: { path: v('drivers/') },
      to: { path: VAULT, pathNot: v('drivers/', 'errors\\.ts$') },
    },
    forbid(
      'store-stays-storage',
      'store/ never imports cache/, items/ or http/ (nor any other layer above it, nor the key sources or Plaid).',
      ['store/'],
      ['key-sources/', 'plaid/', 'logging/', ...SERVICES, ...FEATURES, ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'adapters-stay-adapters',
      'config/, key-sources/, store/, plaid/ and logging/ talk to the outside world; they know nothing of the services, features or faces.',
      ADAPTERS,
      [...SERVICES, ...FEATURES, ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'services-stay-below-features',
      'cache/, audit/ and context.ts are shared services; features build on them, never the other way.',
      SERVICES,
      [...FEATURES, ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'items-is-the-base-feature',
      'items/ (put, list, withToken, status, removal) is what the other features build on: it imports none of them.',
      ['items/'],
      ['rotation/', 'data/', 'webhooks/', ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'rotation-stays-apart',
      'rotation/ uses items/ and the services, not the other features: the composition root connects them.',
      ['rotation/'],
      ['data/', 'webhooks/', ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'data-stays-apart',
      'data/ reads through items/; it does not rotate or handle webhooks.',
      ['data/'],
      ['rotation/', 'webhooks/', ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'webhooks-stay-apart',
      'webhooks/ acts through items/ (status, removal); the composition root hands it the removal.',
      ['webhooks/'],
      ['rotation/', 'data/', ...ADMIN, ...ROOT, ...FACES],
    ),
    forbid(
      'admin-stays-below-the-root',
      'keys/, import/, doctor/ and metrics/ are library pieces the vault wires (metrics/ also http/ and the CLI); they never reach up to the composition root or a face.',
      ADMIN,
      [...ROOT, ...FACES],
    ),
    forbid(
      'the-cli-admins-through-the-vault',
      'cli/ reaches keys/, import/ and doctor/ only through the vault (vault.keys, vault.import, vault.doctor): a command parses, calls and prints.',
      ['cli/'],
      ['keys/', 'import/', 'doctor/'],
    ),
    forbid('the-root-imports-no-face', 'The composition root (vault.ts, lazy-features.ts, wire-features.ts) imports no face.', ROOT, FACES),
    {
      name: 'only-faces-import-the-root',
      comment:
        'Only the faces (index.ts, testing/, cli/) import vault.ts; only vault.ts imports lazy-features.ts and wire-features.ts (lazy-features.ts takes its types).',
      severity: 'error',
      from: { path: VAULT, pathNot: v('index\\.ts$', 'testing/', 'cli/', 'vault\\.ts$', 'lazy-features\\.ts$') },
      to: { path: v(...ROOT) },
    },
    {
      name: 'wire-features-is-for-vault-ts',
      comment:
        'wire-features.ts and lazy-features.ts are the second half of vault.ts: nothing else imports them (lazy-features.ts takes the types of wire-features.ts).',
      severity: 'error',
      from: { path: VAULT, pathNot: v('vault\\.ts$', 'lazy-features\\.ts$') },
      to: { path: v('wire-features\\.ts$', 'lazy-features\\.ts$') },
    },
    {
      name: 'a-cold-read-loads-no-feature',
      comment:
        'Cold start (issue 13): vault.ts and lazy-features.ts load wire-features.ts and what it wires (rotation/, data/, webhooks/, keys/, import/, doctor/, metrics/) with import() on first use, never statically; types are free.',
      severity: 'error',
      from: { path: v('vault\\.ts$', 'lazy-features\\.ts$') },
      to: { path: v(...ON_FIRST_USE), dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'cli/ is the top: no other folder imports it.',
      severity: 'error',
      from: { path: VAULT, pathNot: v('cli/') },
      to: { path: v('cli/') },
    },
    {
      name: 'nothing-imports-testing',
      comment: 'plaid-vault/testing is for the users of the package (it starts plaid-sandbox): the vault never imports it.',
      severity: 'error',
      from: { path: VAULT, pathNot: v('testing/') },
      to: { path: v('testing/') },
    },
    {
      name: 'http-uses-the-public-api',
      comment:
        'http/ (plaid-vault/http) is a client of the public API: the errors, the public types, Secret and the operator id rule (the leaves), the metrics it serves and the stderr logger; never the store, the cache, a feature or the composition root. The Vault it serves is handed in.',
      severity: 'error',
      from: { path: v('http/') },
      to: { path: VAULT, pathNot: v('http/', ...LEAVES, 'crypto/secret\\.ts$', 'metrics/', 'logging/stderr-logger\\.ts$') },
    },
    {
      name: 'sandbox-stays-dependency-free',
      comment: 'plaid-sandbox imports no other workspace package: the vault tests against it, never the reverse.',
      severity: 'error',
      from: { path: '^packages/plaid-sandbox/src/' },
      to: { path: '^packages/vault/|^apps/' },
    },
    {
      name: 'the-library-never-loads-the-sandbox',
      comment: 'Only plaid-vault/testing and the CLI (`plaid-vault sandbox`) start plaid-sandbox; the library itself never loads it.',
      severity: 'error',
      from: { path: VAULT, pathNot: v('testing/', 'cli/') },
      to: { path: '(^|/)plaid-sandbox/' },
    },
  ],
  options: {
    // Type-only imports are edges too: a type-only cycle is still a cycle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.next|\\.next-test|node_modules|test|test-artifacts)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
