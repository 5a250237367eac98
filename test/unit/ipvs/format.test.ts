// The printf formats of ipvsadm.c by hand; the VM tier diffs the same code against the real
// ipvsadm on a real kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareServices, formatDaemons, formatList, formatTimeouts, largeNum } from '../../../src/ipvs/format.ts';
import type { Destination, IpvsStats, IpvsTable, Service } from '../../../src/ipvs/types.ts';

const info = { version: '1.2.1', connTabSize: 4096 };
const stats = (n: bigint): IpvsStats => ({ conns: n, inPkts: n * 10n, outPkts: 0n, inBytes: n * 1000n, outBytes: 0n, cps: 1n, inPps: 2n, outPps: 3n, inBps: 4n, outBps: 5n });
const s = (more: Partial<Service>): Service => ({ af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr', flags: 2, timeoutS: 0, netmask: 32, ...more });
const d = (address: string, more: Partial<Destination> = {}): Destination => ({
  address,
  port: 80,
  af: address.includes(':') ? 'inet6' : 'inet',
  fwd: 'route',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  activeConns: 0,
  inactConns: 0,
  persistConns: 0,
  ...more,
});

test('empty table: the three header lines', () => {
  assert.equal(
    formatList(info, { services: [] }),
    'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
  );
});

test('services and destinations, sorted as ipvsadm sorts them, padded as its printf pads them', () => {
  const t: IpvsTable<Service, Destination> = {
    services: [
      { service: s({ address: '10.0.0.2', scheduler: 'wrr', flags: 2 | 1, timeoutS: 300, netmask: 24 }), dests: [d('10.1.0.2', { weight: 70000, activeConns: 3, inactConns: 12 }), d('10.1.0.1', { fwd: 'masq' })] },
      { service: s({ af: 'inet6', address: '2001:db8::1', port: 443, scheduler: 'sh', flags: 2 | 8 | 16 }), dests: [d('2001:db8::10', { port: 443, fwd: 'tunnel' })] },
      { service: s({ protocol: undefined, address: undefined, port: undefined, fwmark: 7, scheduler: 'lc', flags: 2 | 4 }), dests: [d('10.1.0.7', { port: 0, fwd: 'local', weight: 0 })] },
      { service: s({ protocol: 'udp', port: 53, peName: 'sip', flags: 2 | 1, timeoutS: 60 }), dests: [] },
    ],
  };
  const expected = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  10.0.0.2:80 wrr persistent 300 mask 255.255.255.0',
    '  -> 10.1.0.1:80                  Masq    1      0          0         ',
    '  -> 10.1.0.2:80                  Route   70000  3          12        ',
    'UDP  10.0.0.1:53 rr persistent 60 pe sip',
    'TCP  [2001:db8::1]:443 sh (sh-fallback,sh-port)',
    '  -> [2001:db8::10]:443           Tunnel  1      0          0         ',
    'FWM  7 lc ops',
    '  -> 10.1.0.7:0                   Local   0      0          0         ',
    '',
  ].join('\n');
  assert.equal(formatList(info, t), expected);
});

test('--stats layout and print_largenum scaling', () => {
  const t = { services: [{ service: s({ stats: stats(5n) }), dests: [d('10.1.0.1', { stats: stats(123_456_789n) })] }] };
  const expected = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
    '  -> RemoteAddress:Port',
    'TCP  10.0.0.1:80                         5       50        0     5000        0',
    '  -> 10.1.0.1:80                   123456K    1234M        0     123G        0',
    '',
  ].join('\n');
  assert.equal(formatList(info, t, { stats: true }), expected);
});

test('print_largenum thresholds and --exact', () => {
  assert.equal(largeNum(99_999_999n), ' 99999999');
  assert.equal(largeNum(100_000_000n), '  100000K');
  assert.equal(largeNum(1_000_000_000n), '    1000M');
  assert.equal(largeNum(100_000_000_000n), '     100G');
  assert.equal(largeNum(100_000_000_000_000n), '     100T');
  assert.equal(largeNum(7n, true), '        7');
  assert.equal(largeNum(1_234_567_890n, true), ' 1234567890');
});

test('sort keeps ipvsadm\'s C int wrap-around on addresses', () => {
  // 200.0.0.1 - 10.0.0.1 = 0xBE000000, negative as an int: ipvsadm lists 200.x first.
  assert.ok(compareServices(s({ address: '200.0.0.1' }), s({ address: '10.0.0.1' })) < 0);
  assert.ok(compareServices(s({ address: '10.0.0.2' }), s({ address: '10.0.0.1' })) > 0);
});

test('timeouts and sync daemons as ipvsadm -L --timeout / --daemon', () => {
  assert.equal(formatTimeouts({ tcp: 900, tcpFin: 120, udp: 300 }), 'Timeout (tcp tcpfin udp): 900 120 300\n');
  assert.equal(
    formatDaemons([
      { state: 'backup', mcastIfn: 'eth1', syncId: 2 },
      { state: 'master', mcastIfn: 'eth0', syncId: 1, syncMaxLen: 1400, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    ]),
    'master sync daemon (mcast=eth0, syncid=1, maxlen=1400, group=224.0.0.81, port=8848, ttl=1)\nbackup sync daemon (mcast=eth1, syncid=2)\n',
  );
});

test('mixed-family destinations sort as libipvs sorts them (order seen from ipvsadm 1.31 on kernel 6.1)', () => {
  const t = {
    services: [
      {
        service: s({ address: '10.0.0.3' }),
        dests: [d('10.1.0.1', { fwd: 'tunnel' }), d('::1:7', { fwd: 'tunnel' }), d('10.1.0.2', { fwd: 'tunnel' }), d('200.1.0.2', { fwd: 'tunnel' })],
      },
    ],
  };
  const lines = formatList(info, t).split('\n').slice(4, 8);
  assert.deepEqual(
    lines.map((l) => l.trim().split(/\s+/)[1]),
    ['200.1.0.2:80', '[::0.1.0.7]:80', '10.1.0.1:80', '10.1.0.2:80'],
  );
});

test('--thresholds, --persistent-conn and --tun-info layouts', () => {
  const t = {
    services: [
      {
        service: s({ fwmark: 3, protocol: undefined, address: undefined, port: undefined }),
        dests: [
          d('10.1.0.20', { port: 0, fwd: 'tunnel', tunType: 'gue', tunPort: 6080, tunFlags: 1, upperThreshold: 7, lowerThreshold: 2, persistConns: 4 }),
          d('10.1.0.21', { port: 0, fwd: 'tunnel', tunType: 'gre', tunFlags: 2 }),
          d('10.1.0.22', { port: 0 }),
        ],
      },
    ],
  };
  const body = (fmt: Parameters<typeof formatList>[2]) => formatList(info, t, fmt).split('\n').slice(1);
  assert.deepEqual(body({ thresholds: true }).slice(0, 4), [
    'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
    '  -> RemoteAddress:Port',
    'FWM  3 rr',
    '  -> 10.1.0.20:0                  7          2          0          0         ',
  ]);
  assert.deepEqual(body({ persistentConn: true }).slice(0, 4), [
    'Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ',
    '  -> RemoteAddress:Port',
    'FWM  3 rr',
    '  -> 10.1.0.20:0                  1         4           0          0         ',
  ]);
  assert.deepEqual(body({ tunInfo: true }), [
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn',
    'FWM  3 rr',
    '  -> 10.1.0.20:0                  Tunnel  gue:6080:+c   1      0          0         ',
    '  -> 10.1.0.21:0                  Tunnel  gre:r+c       1      0          0         ',
    '  -> 10.1.0.22:0                  Route   n/a           1      0          0         ',
    '',
  ]);
});
