/** VAULT_REDIS_CLUSTER_NODES parsing and the slot table reading (no network). */
import { describe, expect, it } from 'vitest';
import { eachMaster, masterKeys, splitNodeKey } from '../../src/cache/cluster-topology.js';
import { parseClusterNodes } from '../../src/config/redis-cluster-config.js';
import { printableClusterSpec } from '../../src/config/sealed-config.js';

describe('parseClusterNodes', () => {
  it.each<[string, unknown]>([
    ['127.0.0.1:7001', { nodes: [{ host: '127.0.0.1', port: 7001 }], tls: false }],
    [
      ' a.internal:7000 , b.internal:7001 ',
      {
        nodes: [
          { host: 'a.internal', port: 7000 },
          { host: 'b.internal', port: 7001 },
        ],
        tls: false,
      },
    ],
    ['[::1]:7000', { nodes: [{ host: '::1', port: 7000 }], tls: false }],
    [
      'redis://10.0.0.1:7000,10.0.0.2:7000',
      {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7000 },
        ],
        tls: false,
      },
    ],
    ['rediss://cache.example', { nodes: [{ host: 'cache.example', port: 6379 }], tls: true }],
    [
      'rediss://app:s%40cret@a:7000,rediss://b:7000',
      {
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7000 },
        ],
        tls: true,
        username: 'app',
        password: 's@cret',
      },
    ],
    [
      'redis://:pw@a:7000,redis://:pw@b:7000',
      {
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7000 },
        ],
        tls: false,
        password: 'pw',
      },
    ],
  ])('%s', (value, spec) => {
    expect(parseClusterNodes(value)).toEqual({ spec });
  });

  it('takes a list as well as a comma-separated string', () => {
    expect(parseClusterNodes(['a:1', 'b:2'])).toEqual(parseClusterNodes('a:1,b:2'));
  });

  it.each([
    ['', 'it is empty'],
    [' , ', 'it is empty'],
    ['a', 'entry 1 is not one'],
    ['a:1,b', 'entry 2 is not one'],
    ['a:0', 'entry 1 is not one'],
    ['a:65536', 'entry 1 is not one'],
    ['redis://a:7000/1', 'entry 1 is not one'],
    ['redis://a:7000?tls=1', 'entry 1 is not one'],
    ['http://a:7000', 'entry 1 is not one'],
    ['a:7000,a:7000', 'lists a:7000 twice'],
    ['redis://a:1,rediss://b:1', 'mixes redis:// and rediss://'],
    ['redis://:x@a:1,redis://:y@b:1', 'different credentials'],
  ])('refuses %j (%s)', (value, reason) => {
    const result = parseClusterNodes(value);
    expect('error' in result && result.error).toContain(reason);
  });

  it('never quotes an entry in its message (it may hold a password)', () => {
    const result = parseClusterNodes('a:1,redis://:hunter2@b:7000/0');
    expect('error' in result && result.error).toContain('entry 2');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('prints without the password', () => {
    const result = parseClusterNodes('redis://app:hunter2@a:7000,[::1]:7001');
    if (!('spec' in result)) throw new Error('refused');
    expect(printableClusterSpec(result.spec)).toEqual({
      nodes: ['a:7000', '[::1]:7001'],
      tls: false,
      username: 'app',
      password: '[redacted]',
    });
  });
});

describe('the slot table', () => {
  const slots: (string[] | undefined)[] = Array.from({ length: 16384 }, (_, i) =>
    i < 5000 ? ['10.0.0.1:7000', '10.0.0.4:7000'] : i < 10000 ? ['10.0.0.2:7000'] : i < 16000 ? ['::1:7000'] : undefined,
  );

  it('masterKeys: each master once, replicas and unassigned slots left out', () => {
    expect(masterKeys({ slots })).toEqual(['10.0.0.1:7000', '10.0.0.2:7000', '::1:7000']);
    expect(splitNodeKey('::1:7000')).toEqual({ host: '::1', port: 7000 });
  });

  it('eachMaster: a single client is itself; a cluster master without a connection fails the whole visit', () => {
    const single = { isCluster: false };
    expect(eachMaster(single)).toEqual([single]);
    const node = (host: string, port: number) => ({ options: { host, port } });
    const cluster = (nodes: ReturnType<typeof node>[]) => ({ isCluster: true, slots, nodes: () => nodes });
    const all = [node('10.0.0.1', 7000), node('10.0.0.4', 7000), node('10.0.0.2', 7000), node('::1', 7000)];
    expect(eachMaster(cluster(all))).toEqual([all[0], all[2], all[3]]);
    expect(() => eachMaster(cluster(all.slice(0, 2)))).toThrow(expect.objectContaining({ code: 'CLUSTER_MASTER_UNAVAILABLE' }));
    expect(() => eachMaster({ isCluster: true, slots: [], nodes: () => [] })).toThrow();
  });
});
