import type { NextConfig } from 'next';

/**
 * Headers that never depend on the request. The page CSP carries a per-request
 * nonce and whether Plaid Link is enabled, so proxy.ts sets it; API responses are
 * JSON and get a CSP that allows nothing at all.
 */
const always = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  // Not no-referrer: with it Chromium sends `Origin: null` on same-origin form posts and fetches,
  // which the Origin checks (CSRF) must refuse.
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  // Browsers ignore HSTS over plain http, so sending it from `next start` on localhost is harmless.
  ...(process.env.NODE_ENV === 'production' ? [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }] : []),
];

// A test build (WEB_TEST_BUILD=1: the E2E harness, the HTTP bench) also serves the test-only
// routes, files named `*.test-only.ts(x)`, and goes to its own folder: the production build
// (`.next`, what `npm start` serves and a deploy copies) holds no test-only code at all.
const testBuild = process.env.WEB_TEST_BUILD === '1';

const nextConfig: NextConfig = {
  // A self-contained server folder; scripts/build.js completes it (DECISIONS: standalone output).
  output: 'standalone',
  distDir: testBuild ? '.next-test' : '.next',
  pageExtensions: testBuild ? ['test-only.tsx', 'test-only.ts', 'tsx', 'ts'] : ['tsx', 'ts'],
  // The production build type-checks the same files; the test build's own tsconfig keeps
  // next build from adding .next-test's types to tsconfig.json.
  ...(testBuild && { typescript: { tsconfigPath: 'tsconfig.test-build.json', ignoreBuildErrors: true } }),
  // Native drivers and the vault itself load with Node's require at runtime, not bundled:
  // one copy of each module (one token cache) and no native addon in a bundle.
  serverExternalPackages: ['better-sqlite3', 'pg', 'ioredis', 'plaid-vault', 'plaid-sandbox', 'pino', 'plaid', 'kysely'],
  experimental: {
    taint: true,
    // Pages take no request body (no Server Actions); a POST to one is still read before the proxy
    // runs, up to this much (default 10 MiB). Route handlers are outside the proxy and read their own.
    proxyClientMaxBodySize: 16 * 1024,
  },
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      { source: '/:path*', headers: always },
      { source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }] },
    ];
  },
};

export default nextConfig;
