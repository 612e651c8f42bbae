#!/usr/bin/env node
// The `plaid-sandbox` bin. It is committed rather than built so that npm links
// it when a clone is installed: npm links a workspace's bin only if the file
// exists at install time, and dist/ does not yet. It runs the compiled CLI.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'plaid-sandbox: not built (packages/plaid-sandbox/dist is missing): run `npm run build` in the repository root, then try again',
  );
  process.exit(1);
}
await import(main.href);
