// A Node preload (`--import`) that makes a Next.js production server behave
// like a serverless platform for one request: it gives Next a request context
// with `waitUntil` (as Vercel's runtime does, through the documented
// `@next/request-context` symbol), and when a request carrying the header
// `x-test-freeze-after: <marker file>` has ended, response sent and every
// promise handed to `waitUntil` settled (that is where `after()` callbacks
// run), it writes its pid to the marker file and stops itself (SIGSTOP), as a
// platform freezes a function whose invocation is over. The test then kills it.
//
// Used by apps/web/test/serverless-flush.test.ts. Imports nothing but Node.
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { Server } from 'node:http';

const storage = new AsyncLocalStorage();
globalThis[Symbol.for('@next/request-context')] = { get: () => storage.getStore() };

const emit = Server.prototype.emit;
Server.prototype.emit = function (event, req, res) {
  if (event !== 'request') return emit.apply(this, arguments);
  const marker = req.headers['x-test-freeze-after'];
  const pending = new Set();
  let closed = false;
  const settle = () => {
    if (!marker || !closed || pending.size > 0) return;
    writeFileSync(String(marker), String(process.pid));
    process.kill(process.pid, 'SIGSTOP');
  };
  res.once('close', () => {
    closed = true;
    settle();
  });
  const waitUntil = (promise) => {
    const tracked = Promise.resolve(promise).catch(() => {});
    pending.add(tracked);
    void tracked.then(() => {
      pending.delete(tracked);
      settle();
    });
  };
  return storage.run({ waitUntil }, () => emit.apply(this, arguments));
};
