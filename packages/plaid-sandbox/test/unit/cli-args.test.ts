import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli-args.js';

describe('plaid-sandbox CLI arguments', () => {
  it('defaults to port 4010 on loopback without admin', () => {
    expect(parseCliArgs([])).toMatchObject({ port: 4010, host: '127.0.0.1', admin: false, help: false });
  });

  it('reads every option', () => {
    expect(
      parseCliArgs(['--port', '0', '--host', '0.0.0.0', '--admin', '--persist', 's.json', '--client-id', 'c', '--secret', 's']),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      admin: true,
      persist: 's.json',
      clientId: 'c',
      secret: 's',
      help: false,
    });
  });

  it.each([[['--port', 'x']], [['--port', '70000']], [['--port']], [['--what']]])('refuses %j', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow();
  });
});
