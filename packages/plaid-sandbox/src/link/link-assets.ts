import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/**
 * The Link page's own policy: its scripts, styles and API calls come from the
 * emulator and nothing else. No frame-ancestors: any app may embed it, as any
 * app may embed Plaid's Link.
 */
const FRAME_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

interface Asset {
  file: string;
  type: string;
  headers?: Record<string, string>;
}

/** Served at Plaid's CDN paths, so an app switches to the emulator by changing only the origin. */
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/link/v2/stable/link-initialize.js', { file: 'link-initialize.js', type: 'text/javascript; charset=utf-8' }],
  ['/link/v2/stable/link.html', { file: 'link.html', type: 'text/html; charset=utf-8', headers: { 'content-security-policy': FRAME_CSP } }],
  ['/link/v2/stable/link.js', { file: 'link.js', type: 'text/javascript; charset=utf-8' }],
  ['/link/v2/stable/link-api.js', { file: 'link-api.js', type: 'text/javascript; charset=utf-8' }],
  ['/link/v2/stable/link-ui.js', { file: 'link-ui.js', type: 'text/javascript; charset=utf-8' }],
  ['/link/v2/stable/link.css', { file: 'link.css', type: 'text/css; charset=utf-8' }],
]);

// Plain files shipped with the package (assets/link, beside src/ and dist/): read on first use, not at start.
const DIR = new URL('../../assets/link/', import.meta.url);
const cache = new Map<string, Buffer>();

/** Whether `path` is one of the Link files. */
export const isLinkAsset = (path: string): boolean => ASSETS.has(path);

/** Writes the Link file at `path` (the caller checked {@link isLinkAsset}). */
export function sendLinkAsset(res: ServerResponse, path: string): void {
  const asset = ASSETS.get(path)!;
  let body = cache.get(asset.file);
  if (!body) cache.set(asset.file, (body = readFileSync(new URL(asset.file, DIR))));
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    // A development tool: always the files of the running emulator.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The host page loads link-initialize.js from another origin.
    'cross-origin-resource-policy': 'cross-origin',
    ...asset.headers,
  });
  res.end(body);
}
