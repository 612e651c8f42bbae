import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook as the receiver got it: exact body bytes and the verification header. */
export interface ReceivedWebhook {
  path: string;
  body: string;
  jwt: string | undefined;
  contentType: string | undefined;
}

/** A local HTTP server that records webhooks; `next()` waits for the next one (bounded). */
export async function startWebhookReceiver(): Promise<{
  url: string;
  next(timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}> {
  const queue: ReceivedWebhook[] = [];
  const waiters: ((w: ReceivedWebhook) => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hook: ReceivedWebhook = {
        path: req.url ?? '/',
        body: Buffer.concat(chunks).toString('utf8'),
        jwt: req.headers['plaid-verification'] as string | undefined,
        contentType: req.headers['content-type'],
      };
      res.writeHead(200).end();
      const waiter = waiters.shift();
      if (waiter) waiter(hook);
      else queue.push(hook);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    next(timeoutMs = 5000) {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no webhook arrived')), timeoutMs);
        waiters.push((w) => {
          clearTimeout(timer);
          resolve(w);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
