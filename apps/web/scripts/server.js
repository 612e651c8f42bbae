#!/usr/bin/env node
// The production server: Next.js's own request handler behind a Node HTTP
// listener that first refuses what Next cannot represent (request-guard.js).
// Run by scripts/start.js with NODE_ENV=production, PORT and HOST set; Next is
// otherwise exactly what `next start` runs (same build, proxy.ts, instrumentation.ts).
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { refusal, sendRefusal } from './request-guard.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? '3000');
const hostname = process.env.HOST ?? '127.0.0.1';

const app = next({ dev: false, dir: appDir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

const server = createServer((req, res) => {
  const refused = refusal(req.method, req.url);
  if (refused) return sendRefusal(res, refused, req);
  void handle(req, res);
});
server.listen(port, hostname, () => {
  console.log(`[web] listening on http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`);
});
