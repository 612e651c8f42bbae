#!/usr/bin/env node
// The reference app's production server, in the standalone folder: scripts/standalone.js
// copies this file there as `server.js` (in place of the one next build writes), with
// request-guard.js beside it and next build's config in next-config.json. It does what
// Next's own standalone server.js does (Next 16: `startServer` in
// next/dist/server/lib/start-server), with one difference: the listener is ours, and it
// refuses what Next cannot represent (request-guard.js) before Next sees a request.
//
//   cd .next/standalone && HOSTNAME=127.0.0.1 PORT=3000 node apps/web/server.js
//
// scripts/standalone-entry.js checks at each build that Next's generated server.js still
// reads the same variables and calls the same function; a Next upgrade that changes it
// stops the build rather than leave this file behind.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { refusal, sendRefusal } from './request-guard.js';

performance.mark('next-start');
const dir = fileURLToPath(new URL('.', import.meta.url));
const configFile = new URL('./next-config.json', import.meta.url);
if (!existsSync(configFile)) {
  console.error('[web] next-config.json is missing: run the standalone server (npm run build --workspace apps/web), not scripts/server.js');
  process.exit(1);
}

process.env.NODE_ENV = 'production';
process.chdir(dir);
// Next's config as next build resolved it: Next reads it from here instead of next.config.ts.
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = readFileSync(configFile, 'utf8');
// instrumentation.ts closes the vault (writing its buffered audit events) on SIGINT and
// SIGTERM only when Next leaves signals to the app; without it Next's handler exits first.
// Set here so that no deployment can forget it; set it to '' to get Next's handler back.
process.env.NEXT_MANUAL_SIG_HANDLE ??= 'true';

const port = parseInt(process.env.PORT ?? '', 10) || 3000;
// Next's default: every interface (a container). scripts/start.js sets loopback.
const hostname = process.env.HOSTNAME || '0.0.0.0';
let keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT ?? '', 10);
if (!Number.isFinite(keepAliveTimeout) || keepAliveTimeout < 0) keepAliveTimeout = undefined;

const require = createRequire(import.meta.url);
require('next');
// What Next's startServer calls once its listener is up: the router, the render server,
// instrumentation.ts. The module Next's own standalone server.js loads.
const { getRequestHandlers } = require('next/dist/server/lib/start-server');
process.title = `next-server (v${require('next/package.json').version})`;

/** Next's handlers, once ready; requests that arrive before wait for them, as with Next's listener. */
let ready;
/** Next's server, to close when Next's shutdown is ours to run. */
let nextServer;

const server = createServer(async (req, res) => {
  const refused = refusal(req.method, req.url);
  if (refused) return sendRefusal(res, refused, req);
  try {
    await (await ready).requestHandler(req, res);
  } catch (err) {
    // Next's listener does the same with what its handler throws.
    res.statusCode = 500;
    res.end('Internal Server Error');
    console.error(`[web] failed to handle request for ${req.url}`);
    console.error(err);
  }
});
if (keepAliveTimeout) server.keepAliveTimeout = keepAliveTimeout;
server.on('upgrade', async (req, socket, head) => {
  socket.on('error', () => {});
  // No body to answer with on an upgrade: close, as Next does with one it does not route.
  if (refusal(req.method, req.url)) return socket.destroy();
  try {
    await (await ready).upgradeHandler(req, socket, head);
  } catch (err) {
    socket.destroy();
    console.error(`[web] failed to handle upgrade for ${req.url}`);
    console.error(err);
  }
});
server.on('error', (err) => {
  console.error('[web] failed to start the server');
  console.error(err);
  process.exit(1);
});

server.listen(port, hostname, () => {
  const addr = server.address();
  const bound = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const shown = bound === '0.0.0.0' ? 'localhost' : bound === '[::]' ? '[::1]' : bound;
  // As Next's listener sets them: the port actually bound (PORT=0) and the origin.
  process.env.PORT = String(addr.port);
  process.env.__NEXT_PRIVATE_ORIGIN = `http://${shown}:${addr.port}`;
  console.log(`[web] listening on http://${bound}:${addr.port}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shutDown(signal));
  ready = getRequestHandlers({ dir, port: addr.port, isDev: false, server, hostname, keepAliveTimeout });
  ready.then(
    (init) => (nextServer = init.server),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});

let stopping = false;

/**
 * First, as Next's shutdown does, stop taking connections (open ones finish their requests).
 * Then, once instrumentation.ts has taken the signal (NEXT_MANUAL_SIG_HANDLE), nothing more:
 * the app closes the vault, writing its buffered audit events, and exits. Otherwise (no app
 * handler yet, or NEXT_MANUAL_SIG_HANDLE='') the rest of Next's shutdown: close Next, exit.
 */
function shutDown(signal) {
  if (stopping) return; // a second signal (a shell and a parent both forwarding Ctrl-C)
  stopping = true;
  const appTakesIt = Boolean(process.env.NEXT_MANUAL_SIG_HANDLE) && process.listenerCount(signal) > 1;
  server.close(() => {
    if (appTakesIt) return;
    Promise.resolve(nextServer?.close())
      .catch((err) => console.error(err))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
