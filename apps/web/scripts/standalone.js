import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { COMPLETE_MARKER, RUNTIME_PACKAGES, installedPackageDir } from './build-state.js';
import { installGuardedEntry } from './standalone-entry.js';

/**
 * Completes `<distDir>/standalone` (what `output: 'standalone'` leaves) into a folder that
 * runs on its own with `node apps/web/server.js`, as Next documents: the static assets
 * (`<distDir>/static`, `public/`), which next build leaves out, and the packages that
 * src/server/vault-runtime.ts loads past the bundler (plaid-vault, plaid-sandbox) with their
 * dependencies, which Next's tracing cannot see. Its `server.js` is then ours, the guarded
 * server (scripts/server.js, see standalone-entry.js), not the one next build wrote. Returns
 * what it added.
 *
 * A package Next already traced into the folder keeps Next's copy (the app imports it
 * through the same entry points the vault does). Any other package in the closure is copied
 * whole (its own files, not its node_modules: each dependency is visited in turn), so nothing
 * a package loads by a computed path (pino's worker, a native addon) is left behind.
 *
 * @example
 *   completeStandalone('/repo/apps/web', '/repo/apps/web/.next'); // then: node .next/standalone/apps/web/server.js
 */
export function completeStandalone(appDir, distDir) {
  const { relativeAppDir } = JSON.parse(readFileSync(join(distDir, 'required-server-files.json'), 'utf8'));
  // The folder mirrors the tracing root (the repository): the app sits at <out>/<relativeAppDir>.
  const root = relativeAppDir ? appDir.slice(0, -relativeAppDir.length - 1) : appDir;
  const out = join(distDir, 'standalone');
  const serverDir = join(out, relativeAppDir);
  rmSync(join(distDir, COMPLETE_MARKER), { force: true });

  cpSync(join(distDir, 'static'), join(serverDir, basename(distDir), 'static'), { recursive: true });
  if (existsSync(join(appDir, 'public'))) cpSync(join(appDir, 'public'), join(serverDir, 'public'), { recursive: true });
  installGuardedEntry(appDir, distDir, serverDir);

  const traced = tracedPackages(distDir, out);
  const copied = new Set();
  const visit = (at) => {
    const rel = relative(root, at);
    if (copied.has(rel) || traced.has(rel)) return;
    const dest = join(out, rel);
    const pkg = JSON.parse(readFileSync(join(at, 'package.json'), 'utf8'));
    rmSync(dest, { recursive: true, force: true });
    if (lstatSync(at).isSymbolicLink()) {
      // A workspace package: what it publishes (package.json and its `files`), never its sources.
      const real = realpathSync(at);
      for (const entry of ['package.json', ...(pkg.files ?? [])])
        if (existsSync(join(real, entry))) cpSync(join(real, entry), join(dest, entry), { recursive: true });
    } else {
      const nested = join(at, 'node_modules');
      cpSync(at, dest, { recursive: true, verbatimSymlinks: true, filter: (src) => src !== nested });
    }
    copied.add(rel);
    const optional = { ...pkg.peerDependencies, ...pkg.optionalDependencies };
    for (const name of Object.keys({ ...optional, ...pkg.dependencies })) {
      const dep = installedPackageDir(at, name, root);
      if (dep) visit(dep);
      else if (pkg.dependencies?.[name]) throw new Error(`standalone: ${name}, a dependency of ${pkg.name}, is not installed`);
    }
  };
  for (const name of RUNTIME_PACKAGES) {
    const at = installedPackageDir(appDir, name, root);
    if (!at) throw new Error(`standalone: ${name} is not installed (run npm ci at the repository root)`);
    visit(at);
  }
  const summary = { server: relative(out, join(serverDir, 'server.js')), copied: [...copied].sort() };
  writeFileSync(join(distDir, COMPLETE_MARKER), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/**
 * The packages next build traced into `out` (paths like `node_modules/pg`), listed in
 * `<distDir>/standalone-traced.json` the first time, before anything is copied in: a later
 * completion (after a package rebuild, or an interrupted one) then still tells Next's copies
 * from its own. next build empties the build folder, list included.
 */
function tracedPackages(distDir, out) {
  const list = join(distDir, 'standalone-traced.json');
  if (existsSync(list)) return new Set(JSON.parse(readFileSync(list, 'utf8')));
  const found = [];
  const scan = (modules) => {
    if (!existsSync(modules)) return;
    for (const name of readdirSync(modules)) {
      const names = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name];
      for (const n of names) {
        if (!existsSync(join(modules, n, 'package.json'))) continue;
        found.push(relative(out, join(modules, n)));
        scan(join(modules, n, 'node_modules'));
      }
    }
  };
  scan(join(out, 'node_modules'));
  writeFileSync(list, `${JSON.stringify(found.sort(), null, 2)}\n`);
  return new Set(found);
}
