// A real user's sign-in while others flood sign-up, through the production
// Next.js server (scripts/start.js, SQLite, the embedded emulator, default
// limits unless set in the environment). Each scrypt holds 32 MiB and a
// libuv thread for ~50-100 ms: without a sign-up limit every flooded sign-up
// hashes, and the sign-in waits behind them.
//
// Prints the sign-in's latency idle (median of 9) and during each of
// `--rounds` floods of `--signups` parallel sign-ups (the sign-in is sent
// 50 ms into the flood), and what the flood came to (accounts created,
// refused by the limit, refused as busy).
//
//   node bench/auth-flood.js [--signups 62] [--rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { buildNeeded } from '../apps/web/scripts/build-state.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const APP = join(ROOT, 'apps/web');
const arg = (name, def) => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.split('=')[1]);
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : def;
};
const SIGNUPS = arg('signups', 62);
const ROUNDS = arg('rounds', 3);
const PASSWORD = 'a long enough passphrase';

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;

if (buildNeeded(APP)) {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: APP,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-auth-'));
const server = spawn(process.execPath, [join(APP, 'scripts/start.js')], {
  cwd: APP,
  env: { ...process.env, PATH: process.env.PATH, WEB_DATA_DIR: dir, PORT: String(port), NODE_ENV: 'production' },
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
const stop = () => {
  if (server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
};

/** A form POST; resolves with where it redirects to. */
async function post(path, email, password = PASSWORD) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
  await res.arrayBuffer();
  return res.headers.get('location') ?? String(res.status);
}

async function timedSignIn(email) {
  const t = performance.now();
  const to = await post('/auth/signin', email);
  if (to !== '/dashboard') throw new Error(`sign-in answered ${to}`);
  return performance.now() - t;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let n = 0;
const fresh = (tag) => `${tag}-${process.pid}-${++n}@example.com`;

try {
  const deadline = Date.now() + 90_000;
  while (
    !(await fetch(`${base}/signin`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error('the server did not start within 90 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const user = fresh('user');
  if ((await post('/auth/signup', user)) !== '/dashboard') throw new Error('could not create the user');
  for (let i = 0; i < 3; i++) await timedSignIn(user);
  const idle = [];
  for (let i = 0; i < 9; i++) idle.push(await timedSignIn(user));

  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const started = performance.now();
    const flood = Promise.all(Array.from({ length: SIGNUPS }, () => post('/auth/signup', fresh('flood'))));
    await new Promise((r) => setTimeout(r, 50));
    const signInMs = await timedSignIn(user);
    const answers = await flood;
    const count = (re) => answers.filter((a) => re.test(a)).length;
    rounds.push({
      round,
      signInMs,
      floodMs: performance.now() - started,
      created: count(/^\/dashboard$/),
      limited: count(/signup_limited/),
      busy: count(/error=busy/),
      other: count(/^(?!\/dashboard$)(?!.*signup_limited)(?!.*error=busy)/),
    });
  }

  const result = { signups: SIGNUPS, idleSignInMedianMs: median(idle), idleSignInMaxMs: Math.max(...idle), rounds };
  console.log(`sign-in idle: median ${result.idleSignInMedianMs.toFixed(0)} ms (max ${result.idleSignInMaxMs.toFixed(0)} ms, 9 runs)`);
  console.log(`\n| flood | sign-in during it | flood took | created | limited | busy | other |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of rounds) {
    console.log(
      `| ${r.round}: ${SIGNUPS} sign-ups | ${r.signInMs.toFixed(0)} ms | ${r.floodMs.toFixed(0)} ms | ${r.created} | ${r.limited} | ${r.busy} | ${r.other} |`,
    );
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/auth-flood.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  stop();
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
