import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an app page that uses Link: served from its own origin with a
 * strict nonce CSP (as the reference app's), it loads the emulator's
 * link-initialize.js from a nonce'd script and records every callback in
 * `window.linkLog`. `window.startLink(token)` creates the handler as
 * `window.linkHandler`.
 */
export async function startLinkHostPage(emulatorUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const origin = new URL(emulatorUrl).origin;
  const server: Server = createServer((req, res) => {
    const nonce = Math.random().toString(36).slice(2);
    res.writeHead(req.url === '/' ? 200 : 404, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic' ${origin}; frame-src ${origin}; connect-src 'self'`,
    });
    res.end(req.url === '/' ? page(nonce, emulatorUrl) : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const page = (nonce: string, emulatorUrl: string) => `<!doctype html>
<html lang="en"><head><title>Link host</title></head>
<body><button id="before">focus me</button>
<script nonce="${nonce}">
  window.linkLog = [];
  const s = document.createElement('script');
  s.src = ${JSON.stringify(`${emulatorUrl}/link/v2/stable/link-initialize.js`)};
  s.onload = () => window.linkLog.push(['script']);
  document.body.appendChild(s);
  window.startLink = (token) => {
    window.linkHandler = window.Plaid.create({
      token,
      onLoad: () => window.linkLog.push(['load']),
      onEvent: (name, metadata) => window.linkLog.push(['event', name, metadata]),
      onSuccess: (publicToken, metadata) => window.linkLog.push(['success', publicToken, metadata]),
      onExit: (error, metadata) => window.linkLog.push(['exit', error, metadata]),
    });
  };
</script></body></html>`;
