/**
 * The SDK client's transport (plaid/client.ts) against real local servers:
 * connections are reused, a redirect is refused (the secret headers must not
 * follow it), and a server that never answers is given up on.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlaidApi } from '../../src/plaid/client.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const categories = { categories: [], request_id: 'r' };
const api = (baseUrl: string, timeoutMs?: number) =>
  createPlaidApi({ env: 'emulator', baseUrl, clientId: 'client-x', secret: 'secret-x', ...(timeoutMs && { timeoutMs }) });

describe('Plaid client transport', () => {
  it('reuses one kept-alive connection for calls in sequence', async () => {
    const { url, server } = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(categories));
    });
    let connections = 0;
    server.on('connection', () => connections++);
    const plaid = await api(url);
    for (let i = 0; i < 3; i++) expect((await plaid.categoriesGet({})).status).toBe(200);
    expect(connections).toBe(1);
  });

  it('refuses a redirect: the call fails and the target never sees the credentials', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const target = await serve((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(categories));
    });
    const { url } = await serve((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${target.url}/categories/get` }).end();
    });
    const err = await (await api(url))
      .categoriesGet({})
      .then(
        () => undefined,
        (e: { response?: { status: number } }) => e,
      );
    expect(err?.response?.status).toBe(307);
    expect(seen).toEqual([]);
  });

  it('gives up on a server that never answers (timeoutMs)', async () => {
    const { url } = await serve((req) => void req.resume());
    const err = await (await api(url, 200))
      .categoriesGet({})
      .then(
        () => undefined,
        (e: { code?: string }) => e,
      );
    expect(err?.code).toBe('ECONNABORTED');
  });
});
