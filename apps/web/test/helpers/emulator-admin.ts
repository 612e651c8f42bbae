import { createServer, type Server } from 'node:http';
import type { Sandbox } from 'plaid-sandbox';

/**
 * The one emulator helper the app calls that plaid-sandbox's `/__admin` routes
 * lack: `repair_login` (what finishing Link update mode does). It runs the
 * test-held sandbox's own `state.repairLogin`, so the LOGIN_REPAIRED webhook is
 * real and signed.
 */
export async function startEmulatorAdmin(sandbox: Sandbox): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/__admin/items/repair_login') {
          res.writeHead(404).end();
          return;
        }
        const { item_id: itemId } = JSON.parse(body) as { item_id: string };
        calls.push(itemId);
        await sandbox.state.repairLogin(itemId);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
