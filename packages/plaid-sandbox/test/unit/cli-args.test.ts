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

  it('reads the first-pull timing', () => {
    expect(parseCliArgs(['--initial-pull-delay-ms', '2000'])).toMatchObject({ initialPullDelayMs: 2000 });
    expect(parseCliArgs(['--initial-pull-delay-ms', '0', '--historical-pull-delay-ms', '10'])).toMatchObject({
      initialPullDelayMs: 0,
      historicalPullDelayMs: 10,
    });
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--port']],
    [['--what']],
    [['--initial-pull-delay-ms', '-1']],
    [['--initial-pull-delay-ms', '1.5']],
    [['--historical-pull-delay-ms', '10']],
  ])('refuses %j', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow();
  });
});
