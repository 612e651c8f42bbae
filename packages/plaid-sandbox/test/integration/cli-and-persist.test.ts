import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/index.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(ROOT, 'packages/plaid-sandbox/dist/cli.js');

/** Starts the bin and resolves with the URL it prints (bounded wait). */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not print its URL: ${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited early (${code}): ${out}`));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('plaid-sandbox: CLI and persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaid-sandbox-'));
  const children: ChildProcess[] = [];

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/plaid-sandbox'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  }, 120_000);
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('`plaid-sandbox --port 0` starts, prints URL and credentials, answers the SDK, and exits on SIGTERM', async () => {
    const started = performance.now();
    const cli = await startCli(['--port', '0']);
    const listening = performance.now() - started;
    children.push(cli.child);
    const api = plaidClient({ url: cli.url, clientId: 'test_client_id', secret: 'test_secret' });
    const res = await api.institutionsGetById({ institution_id: 'ins_109508', country_codes: ['US' as never] });
    console.log(
      `plaid-sandbox CLI: listening after ${Math.round(listening)} ms, first SDK answer after ${Math.round(performance.now() - started)} ms`,
    );
    expect(res.data.institution.name).toBe('First Platypus Bank');
    expect(cli.output()).toContain('PLAID_CLIENT_ID=test_client_id');
    expect(cli.output()).toContain('PLAID_SECRET=test_secret');
    const code = exited(cli.child);
    cli.child.kill('SIGTERM');
    expect(await code).toBe(0);
  });

  it('never echoes a secret chosen with --secret', async () => {
    const chosen = `chosen-${randomUUID()}`;
    const cli = await startCli(['--port', '0', '--secret', chosen]);
    children.push(cli.child);
    const api = plaidClient({ url: cli.url, clientId: 'test_client_id', secret: chosen });
    expect((await api.institutionsGetById({ institution_id: 'ins_109508', country_codes: ['US' as never] })).status).toBe(200);
    expect(cli.output()).toContain('PLAID_SECRET=<the value of --secret>');
    expect(cli.output()).not.toContain(chosen);
    const code = exited(cli.child);
    cli.child.kill('SIGTERM');
    expect(await code).toBe(0);
  });

  it('rejects unknown options with a usage error', async () => {
    const child = spawn(process.execPath, [CLI, '--bogus'], { stdio: 'ignore' });
    expect(await exited(child)).toBe(2);
  });

  it('--persist keeps Items and token state across restarts', async () => {
    const file = join(dir, 'state.json');
    const first = await startCli(['--port', '0', '--persist', file]);
    children.push(first.child);
    const api1 = plaidClient({ url: first.url, clientId: 'test_client_id', secret: 'test_secret' });
    const pt = await api1.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const { access_token, item_id } = (await api1.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    const rotated = (await api1.itemAccessTokenInvalidate({ access_token })).data.new_access_token;
    const stop = exited(first.child);
    first.child.kill('SIGINT');
    expect(await stop).toBe(0);

    const second = await startCli(['--port', '0', '--persist', file]);
    children.push(second.child);
    const api2 = plaidClient({ url: second.url, clientId: 'test_client_id', secret: 'test_secret' });
    expect((await api2.itemGet({ access_token: rotated })).data.item.item_id).toBe(item_id);
    expect((await plaidErrorOf(api2.itemGet({ access_token }))).code).toBe('INVALID_ACCESS_TOKEN');
    const stop2 = exited(second.child);
    second.child.kill('SIGTERM');
    expect(await stop2).toBe(0);
  });

  it('a persisted sandbox serves the same webhook key after restart', async () => {
    const file = join(dir, 'keys.json');
    const a = await startSandbox({ persistPath: file });
    const kid = a.webhookKey().kid;
    a.state.rotateWebhookKey();
    const active = a.webhookKey().kid;
    await a.close();
    const b = await startSandbox({ persistPath: file });
    try {
      expect(b.webhookKey().kid).toBe(active);
      const api = plaidClient(b);
      expect((await api.webhookVerificationKeyGet({ key_id: kid })).data.key.expired_at).toEqual(expect.any(Number));
    } finally {
      await b.close();
    }
  });

  it("--initial-pull-delay-ms turns on Plaid's timing in the CLI", async () => {
    const cli = await startCli(['--port', '0', '--initial-pull-delay-ms', '600000']);
    children.push(cli.child);
    const api = plaidClient({ url: cli.url, clientId: 'test_client_id', secret: 'test_secret' });
    const pt = await api.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const { access_token } = (await api.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    expect((await api.transactionsSync({ access_token })).data.transactions_update_status).toBe('NOT_READY');
    const code = exited(cli.child);
    cli.child.kill('SIGTERM');
    expect(await code).toBe(0);
  });

  it('persists link tokens and a pull in progress, and loads state files from before them', async () => {
    const file = join(dir, 'pull.json');
    let now = Date.parse('2026-03-15T12:00:00Z');
    const opts = { persistPath: file, clock: { now: () => new Date(now) }, initialPullDelayMs: 60_000 };
    const a = await startSandbox(opts);
    const apiA = plaidClient(a);
    const pt = await apiA.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const { access_token } = (await apiA.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    const link = await apiA.linkTokenCreate({
      client_name: 'x',
      language: 'en',
      country_codes: ['US' as never],
      user: { client_user_id: 'u' },
      products: ['auth' as never],
    });
    await a.close();

    now += 5 * 60_000;
    const b = await startSandbox(opts);
    try {
      const apiB = plaidClient(b);
      expect((await apiB.linkTokenGet({ link_token: link.data.link_token })).data.metadata.initial_products).toEqual(['auth']);
      expect((await apiB.transactionsSync({ access_token, count: 500 })).data.added).toHaveLength(48);
    } finally {
      await b.close();
    }

    // A file written before link tokens, consent lists and pulls existed.
    const legacy = JSON.parse(readFileSync(file, 'utf8')) as {
      store: Record<string, unknown> & { items: Record<string, Record<string, unknown>> };
    };
    for (const key of ['updatePublicTokens', 'linkTokens', 'processorTokens', 'users']) delete legacy.store[key];
    for (const item of Object.values(legacy.store.items)) {
      for (const key of ['consentedProducts', 'transactions', 'investmentsUpdatedAt']) delete item[key];
    }
    writeFileSync(file, JSON.stringify(legacy));
    const c = await startSandbox({ persistPath: file });
    try {
      const apiC = plaidClient(c);
      expect((await apiC.itemGet({ access_token })).data.item.consented_products).toEqual(['transactions']);
      expect((await apiC.transactionsSync({ access_token, count: 500 })).data.transactions_update_status).toBe(
        'HISTORICAL_UPDATE_COMPLETE',
      );
    } finally {
      await c.close();
    }
  });
});
