import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open, seal } from '../../../src/crypto/envelope.js';
import { loadKeyring, type LoadKeyringOptions } from '../../../src/key-sources/load-keyring.js';
import { isVaultError } from '../../../src/errors.js';
import { codeOf } from '../crypto/code-of.js';
import type { Logger } from '../../../src/types/logger.js';

const root = mkdtempSync(join(tmpdir(), 'pv-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `case-${++dirs}`);

interface Recorded {
  logger: Logger;
  warnings: { fields: object; message: string | undefined }[];
  other: number;
}
function recordingLogger(): Recorded {
  const rec: Recorded = { warnings: [], other: 0, logger: undefined as unknown as Logger };
  rec.logger = {
    debug: () => void rec.other++,
    info: () => void rec.other++,
    error: () => void rec.other++,
    warn: (fields, message) => void rec.warnings.push({ fields, message }),
  };
  return rec;
}

const spec = (...kids: string[]) => kids.map((kid) => `${kid}:${randomBytes(32).toString('base64')}`).join(',');

describe('loadKeyring sources', () => {
  it('uses keys when given', () => {
    expect(loadKeyring({ keys: spec('k2', 'k1'), nodeEnv: 'production' }).kids).toEqual(['k2', 'k1']);
  });

  it('reads keysFile, newlines and whitespace allowed', () => {
    const file = join(root, 'keys-file');
    writeFileSync(file, `${spec('k3')},\n${spec('k2')}\n\n`, { mode: 0o600 });
    expect(loadKeyring({ keysFile: file, nodeEnv: 'production' }).kids).toEqual(['k3', 'k2']);
  });

  it('warns when the keys file is readable by others', () => {
    if (process.platform === 'win32') return;
    const file = join(root, 'shared-keys');
    writeFileSync(file, spec('k1'));
    chmodSync(file, 0o644);
    const rec = recordingLogger();
    loadKeyring({ keysFile: file, logger: rec.logger });
    expect(rec.warnings).toHaveLength(1);
  });

  it.each<[string, LoadKeyringOptions]>([
    ['keys and keysFile together', { keys: spec('k1'), keysFile: join(root, 'keys-file') }],
    ['an empty keys value (set but blank)', { keys: '' }],
    ['a missing keys file', { keysFile: join(root, 'does-not-exist') }],
    ['a keys file with a bad key', { keysFile: join(root, 'bad-keys') }],
    ['no key at all in production', { nodeEnv: 'production', devKeyFile: join(root, 'never', 'dev-keys') }],
  ])('refuses %s with ERR_CONFIG_INVALID', (_name, opts) => {
    writeFileSync(join(root, 'bad-keys'), `k1:${Buffer.alloc(32).toString('base64')}`);
    expect(codeOf(() => loadKeyring({ ...opts, logger: recordingLogger().logger }))).toBe('ERR_CONFIG_INVALID');
  });

  it('creates no development key in production', () => {
    const file = join(freshDir(), 'dev-keys');
    codeOf(() => loadKeyring({ nodeEnv: 'production', devKeyFile: file }));
    expect(existsSync(file)).toBe(false);
  });

  it('tells the operator how to fix a missing production key', () => {
    try {
      loadKeyring({ nodeEnv: 'production', devKeyFile: join(freshDir(), 'dev-keys') });
      expect.unreachable('production without keys must fail');
    } catch (error) {
      expect(isVaultError(error, 'ERR_CONFIG_INVALID')).toBe(true);
      // The one message check: the fix is the point of this error.
      expect((error as Error).message).toContain('plaid-vault keygen');
    }
  });
});

describe('the development key', () => {
  it('is generated into a new directory with mode 0600 and one loud warning', () => {
    const file = join(freshDir(), 'nested', 'dev-keys');
    const rec = recordingLogger();
    const keyring = loadKeyring({ nodeEnv: 'development', devKeyFile: file, logger: rec.logger });
    expect(keyring.kids).toHaveLength(1);
    expect(existsSync(file)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.other).toBe(0);
  });

  it('is reused on the next start (same key opens what the first sealed)', () => {
    const file = join(freshDir(), 'dev-keys');
    const first = loadKeyring({ devKeyFile: file, logger: recordingLogger().logger });
    const before = readFileSync(file, 'utf8');
    const envelope = seal(first, { itemId: 'i', userId: 'u' }, 'access-development-token');
    const rec = recordingLogger();
    const second = loadKeyring({ devKeyFile: file, logger: rec.logger });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(second.kids).toEqual(first.kids);
    expect(open(second, { itemId: 'i', userId: 'u' }, envelope).reveal()).toBe('access-development-token');
    expect(rec.warnings).toHaveLength(1);
  });

  it('applies when NODE_ENV is unset or test', () => {
    for (const nodeEnv of [undefined, 'test']) {
      const rec = recordingLogger();
      expect(loadKeyring({ nodeEnv, devKeyFile: join(freshDir(), 'dev-keys'), logger: rec.logger }).kids).toHaveLength(1);
      expect(rec.warnings).toHaveLength(1);
    }
  });

  it('leaves no temporary files beside it', () => {
    const dir = freshDir();
    loadKeyring({ devKeyFile: join(dir, 'dev-keys'), logger: recordingLogger().logger });
    loadKeyring({ devKeyFile: join(dir, 'dev-keys'), logger: recordingLogger().logger });
    expect(readdirSync(dir).sort()).toEqual(['dev-keys']);
  });

  it('never writes the key into the warning', () => {
    const file = join(freshDir(), 'dev-keys');
    const rec = recordingLogger();
    loadKeyring({ devKeyFile: file, logger: rec.logger });
    const encoded = readFileSync(file, 'utf8').trim().split(':')[1]!;
    expect(JSON.stringify(rec.warnings)).not.toContain(encoded);
  });

  it('refuses a damaged development key file', () => {
    const file = join(freshDir(), 'dev-keys');
    loadKeyring({ devKeyFile: file, logger: recordingLogger().logger });
    writeFileSync(file, 'dev:AAAA');
    expect(codeOf(() => loadKeyring({ devKeyFile: file, logger: recordingLogger().logger }))).toBe('ERR_CONFIG_INVALID');
  });
});
