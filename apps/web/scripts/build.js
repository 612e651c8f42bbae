#!/usr/bin/env node
// Builds the reference app's standalone server: `next build`, then scripts/standalone.js
// completes `.next/standalone` into a folder that runs on its own. WEB_TEST_BUILD=1 builds
// the test variant (test-only routes included) into `.next-test` instead.
//
//   node scripts/build.js     (npm run build --workspace apps/web)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNeeded, distDirOf } from './build-state.js';
import { completeStandalone } from './standalone.js';

/**
 * Build what `buildNeeded` says is missing (everything, only the standalone completion, or
 * nothing) and return why, how long it took and the server's entry point. Throws when next
 * build fails.
 *
 * @example
 *   const { reason, seconds, server } = ensureAppBuilt(appDir, { test: false });
 *   spawn(process.execPath, [server]);
 */
export function ensureAppBuilt(appDir, { test = false, force = false, quiet = false, log = () => {} } = {}) {
  const started = Date.now();
  const distDir = distDirOf(appDir, { test });
  const reason = force ? 'forced' : buildNeeded(appDir, { test });
  if (reason === 'missing' || reason === 'stale' || reason === 'forced') {
    log(`[web] ${test ? 'test' : 'production'} build ${reason}: running next build (takes a minute or two the first time)...`);
    const nextBin = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
    const build = spawnSync(process.execPath, [nextBin, 'build'], {
      cwd: appDir,
      // quiet (the E2E harness): next build's output only in the error, if it fails.
      stdio: quiet ? 'pipe' : 'inherit',
      encoding: 'utf8',
      // Always a production build: a stray NODE_ENV (test, development) would change next.config's headers.
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', WEB_TEST_BUILD: test ? '1' : '' },
    });
    if (build.status !== 0)
      throw new Error(`next build failed (exit ${build.status ?? build.signal})${quiet ? `:\n${build.stdout}\n${build.stderr}` : ''}`);
  }
  if (reason) {
    const { copied } = completeStandalone(appDir, distDir);
    log(`[web] built in ${((Date.now() - started) / 1000).toFixed(1)} s (${copied.length} packages copied into the standalone folder)`);
  }
  return { reason, seconds: (Date.now() - started) / 1000, server: standaloneServer(appDir, { test }) };
}

/** The built standalone server's entry point for the app at `appDir`. */
export function standaloneServer(appDir, { test = false } = {}) {
  const distDir = distDirOf(appDir, { test });
  // The folder mirrors the tracing root (the repository): the app sits at its path below it.
  const { relativeAppDir } = JSON.parse(readFileSync(join(distDir, 'required-server-files.json'), 'utf8'));
  return join(distDir, 'standalone', relativeAppDir, 'server.js');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { server } = ensureAppBuilt(appDir, { test: process.env.WEB_TEST_BUILD === '1', force: true, log: console.log });
  console.log(`[web] run it with: node ${relative(process.cwd(), server)}`);
}
