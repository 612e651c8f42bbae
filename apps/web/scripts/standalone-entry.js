import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * What Next's generated standalone server.js must still do for scripts/server.js to stand in
 * for it: the variables it reads, what it sets, the one function it calls. Checked at every
 * completion, so a Next upgrade that changes its server stops the build.
 */
const NEXT_ENTRY_SHAPE = [
  "process.env.NODE_ENV = 'production'",
  'process.chdir(__dirname)',
  'const currentPort = parseInt(process.env.PORT, 10) || 3000',
  "const hostname = process.env.HOSTNAME || '0.0.0.0'",
  'let keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT, 10)',
  'process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(nextConfig)',
  "const { startServer } = require('next/dist/server/lib/start-server')",
  'startServer({\n  dir,\n  isDev: false,\n  config: nextConfig,\n  hostname,\n  port: currentPort,\n  allowRetry: false,\n  keepAliveTimeout,\n})',
];

/** Next's own server.js, kept in the build folder (outside what a deployment copies) when it is replaced. */
export const NEXT_ENTRY_COPY = 'standalone-next-server.js';

/**
 * Puts the guarded server (scripts/server.js, with request-guard.js) in place of the
 * server.js next build wrote into `serverDir`, and next build's config beside it
 * (next-config.json: the object Next's server.js embeds). Throws when Next's server.js is
 * not the one scripts/server.js was written against. Safe to run again: Next's file is
 * read from its copy in `distDir` once it has been replaced.
 *
 * @example
 *   installGuardedEntry('/repo/apps/web', '/repo/apps/web/.next', '/repo/apps/web/.next/standalone/apps/web');
 */
export function installGuardedEntry(appDir, distDir, serverDir) {
  const kept = join(distDir, NEXT_ENTRY_COPY);
  const entry = join(serverDir, 'server.js');
  // Ours imports the guard; Next's (a fresh next build) does not.
  if (!readFileSync(entry, 'utf8').includes("from './request-guard.js'")) copyFileSync(entry, kept);
  const nextEntry = readFileSync(kept, 'utf8');
  const config = /^const nextConfig = (\{.*\})$/m.exec(nextEntry)?.[1];
  const missing = NEXT_ENTRY_SHAPE.filter((line) => !nextEntry.includes(line));
  if (!config || missing.length > 0) {
    const version = createRequire(join(appDir, 'package.json'))('next/package.json').version;
    throw new Error(
      `standalone: the server.js next ${version} generated (kept in ${kept}) is not the one scripts/server.js ` +
        `replaces: compare it with next/dist/server/lib/start-server and update both (${config ? `missing: ${missing.join(' | ')}` : 'no nextConfig line'})`,
    );
  }
  JSON.parse(config); // fails loudly rather than hand the server a broken config
  writeFileSync(join(serverDir, 'next-config.json'), `${config}\n`);
  for (const file of ['server.js', 'request-guard.js']) copyFileSync(join(appDir, 'scripts', file), join(serverDir, file));
}
