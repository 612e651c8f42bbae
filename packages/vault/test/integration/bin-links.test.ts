/**
 * The workspace bins work from a clone. npm links a workspace's bin at install
 * time only if its target exists then, so every target must be a committed file
 * (not a build output under dist/), the link in node_modules/.bin must point at
 * it, and running the link must reach the compiled CLI. A bin started before the
 * build says how to fix it in one line. (.ci/run checks the same from a fresh
 * clone with `npx --no-install plaid-vault --help`.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './cli-harness.js';

const REPO_DIR = join(import.meta.dirname, '..', '..', '..', '..');

interface Bin {
  name: string;
  workspace: string;
  target: string;
}

const workspaces = (JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
const bins: Bin[] = workspaces.flatMap((workspace) => {
  const pkg = JSON.parse(readFileSync(join(REPO_DIR, workspace, 'package.json'), 'utf8')) as {
    name: string;
    bin?: string | Record<string, string>;
  };
  const entries = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
  return Object.entries(entries).map(([name, target]) => ({ name, workspace, target: join(workspace, target) }));
});
/** What each CLI's --help starts with. */
const USAGE: Record<string, RegExp> = { 'plaid-vault': /^plaid-vault: /, 'plaid-sandbox': /^usage: plaid-sandbox / };

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pv-bin-links-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('workspace bins', () => {
  it('are the two CLIs this repository documents', () => {
    expect(bins.map((b) => b.name).sort()).toEqual(Object.keys(USAGE).sort());
  });

  it.each(bins)('$name: its target $target is committed, so a fresh install can link it', ({ target }) => {
    expect(target).not.toMatch(/(^|\/)dist\//);
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', target], { cwd: REPO_DIR, encoding: 'utf8' });
    expect(tracked.status, `${target} is not in git (a clone would not have it): ${tracked.stderr}`).toBe(0);
    expect(readFileSync(join(REPO_DIR, target), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it.each(bins)('$name: node_modules/.bin/$name points at its target and prints the usage', ({ name, target }) => {
    const link = join(REPO_DIR, 'node_modules', '.bin', name);
    expect(existsSync(link), `${link} missing: npm did not link the bin`).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(REPO_DIR, target)));
    // Run the link itself, as npx and npm scripts do: shebang and executable bit included.
    const out = execFileSync(link, ['--help'], { cwd: REPO_DIR, encoding: 'utf8', timeout: 30_000 });
    expect(out).toMatch(USAGE[name]!);
  });

  it.each(bins)('$name: before the build, says in one line how to fix it and exits 1', ({ name, workspace, target }) => {
    // The bin file alone in a copy of its package, without dist/.
    const pkgDir = join(dir, name);
    const copy = join(pkgDir, target.slice(workspace.length + 1));
    mkdirSync(dirname(copy), { recursive: true });
    writeFileSync(join(pkgDir, 'package.json'), readFileSync(join(REPO_DIR, workspace, 'package.json')));
    copyFileSync(join(REPO_DIR, target), copy);
    const r = spawnSync(process.execPath, [copy, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${name}: not built`);
    expect(r.stderr).toContain('npm run build');
  });
});
