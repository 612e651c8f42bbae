import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

// What `next build` is made of.
const SOURCES = [
  'app',
  'src',
  'public',
  'proxy.ts',
  'instrumentation.ts',
  'next.config.ts',
  'package.json',
  'tsconfig.json',
  'tsconfig.test-build.json',
];

/** What scripts/standalone.js puts into the standalone folder besides the build: a change redoes only the completion. */
const COMPLETION_SOURCES = ['scripts/server.js', 'scripts/request-guard.js', 'scripts/standalone.js', 'scripts/standalone-entry.js'];

/**
 * Loaded by src/server/vault-runtime.ts with `import(/* turbopackIgnore: true *\/ ...)`, so
 * Next's file tracing does not see them (DECISIONS 19): scripts/standalone.js copies them
 * and their dependencies into the standalone folder.
 */
export const RUNTIME_PACKAGES = ['plaid-vault', 'plaid-sandbox'];

/** The build folder: `.next`, or `.next-test` for a test build (WEB_TEST_BUILD=1: with the test-only routes). */
export function distDirOf(appDir, { test = false } = {}) {
  return join(appDir, test ? '.next-test' : '.next');
}

/** Written by scripts/standalone.js once `<distDir>/standalone` is complete; its time is the witness. */
export const COMPLETE_MARKER = 'standalone-complete.json';

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Where Node finds package `name` from the directory `from` (the node_modules/<name> path npm
 * installed, not followed when it is a workspace link), looking no higher than `top` (when
 * given); or null.
 */
export function installedPackageDir(from, name, top = null) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === top || dirname(dir) === dir) return null;
  }
}

/**
 * What the build at `appDir` needs: 'missing' or 'stale' (a full build), 'incomplete',
 * 'server' or 'packages' (only scripts/standalone.js: the standalone folder was not
 * completed, the server or the completion script changed, or a runtime package was rebuilt
 * since), or null when it is current.
 */
export function buildNeeded(appDir, { test = false } = {}) {
  const distDir = distDirOf(appDir, { test });
  const buildId = join(distDir, 'BUILD_ID');
  if (!existsSync(buildId)) return 'missing';
  const built = statSync(buildId).mtimeMs;
  if (SOURCES.some((s) => newestMtime(join(appDir, s)) > built)) return 'stale';
  const marker = join(distDir, COMPLETE_MARKER);
  if (!existsSync(marker)) return 'incomplete';
  const completed = statSync(marker).mtimeMs;
  if (COMPLETION_SOURCES.some((s) => newestMtime(join(appDir, s)) > completed)) return 'server';
  const packageDirs = RUNTIME_PACKAGES.map((name) => installedPackageDir(appDir, name)).filter(Boolean);
  const newestPackage = Math.max(0, ...packageDirs.map((dir) => newestMtime(join(realpathSync(dir), 'dist'))));
  return newestPackage > completed ? 'packages' : null;
}
