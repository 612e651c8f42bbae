import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// What a production build is made of. Packages (plaid-vault, plaid-sandbox) are
// server-external and loaded from their dist/ at run time, so they are not here.
const SOURCES = ['app', 'src', 'public', 'proxy.ts', 'next.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the app at `appDir` needs `next build` ('missing' | 'stale'), or null when the build is current. */
export function buildNeeded(appDir) {
  const buildId = join(appDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return 'missing';
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(appDir, s)) > built) ? 'stale' : null;
}
