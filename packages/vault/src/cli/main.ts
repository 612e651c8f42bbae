#!/usr/bin/env node
/**
 * The `plaid-vault` binary: the CLI's composition root, the one place that
 * reads process.env and touches the real process.
 */
import { runCli } from './run-cli.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = () => {
  // First Ctrl-C: stop between items and print the summary. Second: leave now.
  if (++interrupts > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io = {
  // Lazy: touching process.stdin opens it, which only `import` needs.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
};
const code = await runCli(process.argv.slice(2), io, controller.signal);
process.exitCode = code;
// Every resource is closed by now; a driver keeping a stray handle (a pool's idle timer) must not hold the exit.
setTimeout(() => process.exit(code), 1000).unref();
