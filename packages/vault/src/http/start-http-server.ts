import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';

export interface HttpServerHandle {
  /** e.g. `http://127.0.0.1:4100` (the real port when 0 was asked for). */
  url: string;
  /** Stop accepting, drop idle keep-alive connections, resolve when closed. */
  close(): Promise<void>;
}

/**
 * Run an app (usually `createHttpApp(...)`) on Node's HTTP server, for the
 * standalone `plaid-vault serve`. Port 0 picks a free port.
 *
 * @example
 * const server = await startHttpServer({ app, port: 4100, host: '127.0.0.1' });
 * console.log(server.url); // ... later: await server.close();
 */
export async function startHttpServer(opts: {
  app: { fetch: (req: Request) => Response | Promise<Response> };
  port: number;
  host?: string;
}): Promise<HttpServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const server = createAdaptorServer({ fetch: (req: Request) => opts.app.fetch(req), hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
