import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_FLAGS_MASK,
  IpvsEncodeError,
  decodeConfigReply,
  decodeDaemonReply,
  decodeDestReply,
  decodeGenl,
  decodeInfoReply,
  decodeServiceReply,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetConfig,
  encodeGetDaemons,
  encodeGetDests,
  encodeGetInfo,
  encodeGetServices,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeOp,
  encodeSetConfig,
  encodeSetDest,
  encodeSetService,
  encodeZero,
} from '../../../src/ipvs/codec.ts';
import { IPVS_CMD, IP_VS_SVC_F } from '../../../src/ipvs/constants.ts';
import { IpvsAddressError, ntop6, canonicalAddr } from '../../../src/ipvs/addr.ts';
import { NetlinkDecodeError } from '../../../src/netlink/message.ts';
import { golden, goldenSections } from './hex.ts';

const hex = (b: Buffer) => b.toString('hex').replace(/(.{8})/g, '$1 ').trim();
const same = (actual: Buffer, expected: Buffer) => assert.equal(hex(actual), hex(expected));

test('NEW_SERVICE TCP IPv4 matches the uapi layout byte for byte', () => {
  const b = encodeNewService({ af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmask: 32 });
  same(b, golden('new-service-tcp4.hex'));
  assert.equal(DEFAULT_FLAGS_MASK, 0xfffffffd);
});

test('NEW_SERVICE IPv6 fwmark with persistence, scheduler flags, explicit mask and a persistence engine', () => {
  const b = encodeNewService({
    af: 'inet6',
    fwmark: 7,
    scheduler: 'sh',
    flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.SCHED_SH_FALLBACK | IP_VS_SVC_F.SCHED_SH_PORT,
    flagsMask: 0xffffffff,
    timeoutS: 300,
    netmask: 64,
    peName: 'sip',
  });
  same(b, golden('new-service-fwm6-persist.hex'));
});

test('SET_SERVICE differs from NEW_SERVICE only in the command byte', () => {
  const s = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmask: 32 };
  const set = encodeSetService(s);
  const expected = Buffer.from(golden('new-service-tcp4.hex'));
  expected[0] = IPVS_CMD.SET_SERVICE;
  same(set, expected);
});

test('DEL_SERVICE carries the identity only (UDP IPv6)', () => {
  same(encodeDelService({ af: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 }), golden('del-service-udp6.hex'));
});

test('NEW_DEST: parent identity + dest with u32 weight and thresholds', () => {
  const b = encodeNewDest(
    { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
    { address: '10.0.1.5', port: 8080, fwd: 'route', weight: 70000, upperThreshold: 100, lowerThreshold: 10 },
  );
  same(b, golden('new-dest-tcp4-route.hex'));
});

test('SET_DEST: mixed-family tunnel dest sends ADDR_FAMILY and the GUE tunnel attributes', () => {
  const b = encodeSetDest(
    { af: 'inet', fwmark: 1 },
    { address: '2001:db8::10', port: 0, fwd: 'tunnel', weight: 5, upperThreshold: 0, lowerThreshold: 0, tunType: 'gue', tunPort: 6080, tunFlags: 1 },
  );
  same(b, golden('set-dest-tunnel-gue-v6.hex'));
});

test('DEL_DEST and GET_DEST carry identities only', () => {
  same(encodeDelDest({ af: 'inet', protocol: 'sctp', address: '192.0.2.1', port: 3868 }, { address: '192.0.2.10', port: 3868 }), golden('del-dest-sctp4.hex'));
  same(encodeGetDests({ af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 }), golden('get-dests.hex'));
});

test('commands without attributes', () => {
  const s = goldenSections('simple-commands.hex');
  same(encodeGetServices(), s.get('get-services')!);
  same(encodeGetInfo(), s.get('get-info')!);
  same(encodeGetConfig(), s.get('get-config')!);
  same(encodeFlush(), s.get('flush')!);
  same(encodeZero(), s.get('zero-all')!);
  same(encodeGetDaemons(), s.get('get-daemons')!);
  same(encodeZero({ af: 'inet', fwmark: 100 }), golden('zero-service.hex'));
});

test('SET_CONFIG, NEW_DAEMON, DEL_DAEMON', () => {
  same(encodeSetConfig({ tcp: 900, tcpFin: 120, udp: 300 }), golden('set-config.hex'));
  same(encodeNewDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 42, syncMaxLen: 1472, mcastGroup: '239.1.2.3', mcastPort: 8848, mcastTtl: 2 }), golden('new-daemon.hex'));
  same(encodeDelDaemon('backup'), golden('del-daemon.hex'));
});

test('SET_CONFIG sends only the timeouts given', () => {
  const b = encodeSetConfig({ udp: 5 });
  assert.equal(hex(b), hex(Buffer.from('0c010000' + '08000600' + '05000000', 'hex')));
});

test('encodeOp maps every operation kind to its command', () => {
  const svc = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
  const full = { ...svc, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 };
  const dest = { address: '10.0.0.2', port: 80, fwd: 'masq' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };
  const cmds = [
    encodeOp({ kind: 'new-service', service: full }),
    encodeOp({ kind: 'set-service', service: full }),
    encodeOp({ kind: 'del-service', service: svc }),
    encodeOp({ kind: 'new-dest', service: svc, dest }),
    encodeOp({ kind: 'set-dest', service: svc, dest }),
    encodeOp({ kind: 'del-dest', service: svc, dest }),
  ].map((b) => b[0]);
  assert.deepEqual(cmds, [1, 2, 3, 5, 6, 7]);
});

test('decodes a kernel service reply with STATS and STATS64 (STATS64 preferred)', () => {
  const s = decodeServiceReply(golden('reply-service-tcp4.hex'));
  assert.deepEqual(s, {
    af: 'inet',
    protocol: 'tcp',
    address: '10.0.0.1',
    port: 80,
    scheduler: 'wrr',
    flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.HASHED,
    flagsMask: 0xffffffff,
    timeoutS: 300,
    netmask: 24,
    stats: { conns: 2n ** 32n + 5n, inPkts: 100n, outPkts: 90n, inBytes: 6000n, outBytes: 2n ** 32n + 1n, cps: 1n, inPps: 2n, outPps: 3n, inBps: 4n, outBps: 5n },
    statsWidth: 64,
  });
});

test('legacy STATS alone is decoded (u32 counters, u64 bytes)', () => {
  // Same fixture with the STATS64 nest cut off: the service nest shrinks by 124 bytes.
  const full = golden('reply-service-tcp4.hex');
  const cut = Buffer.from(full.subarray(0, full.length - 124));
  cut.writeUInt16LE(cut.readUInt16LE(4) - 124, 4);
  const s = decodeServiceReply(cut);
  assert.equal(s.statsWidth, 32);
  assert.equal(s.stats?.conns, 5n);
  assert.equal(s.stats?.outBytes, 2n ** 32n + 1n);
});

test('skips PAD and unknown attributes, reads unaligned u64s', () => {
  const s = decodeServiceReply(golden('reply-service-pad.hex'));
  assert.equal(s.af, 'inet6');
  assert.equal(s.fwmark, 7);
  assert.equal(s.protocol, undefined);
  assert.equal(s.scheduler, 'rr');
  assert.equal(s.peName, 'sip');
  assert.equal(s.netmask, 128);
  assert.equal(s.stats?.conns, 42n);
  assert.equal(s.stats?.inBytes, 2n ** 64n - 1n);
  assert.equal(s.stats?.outPkts, 0n);
});

test('decodes a destination reply', () => {
  const d = decodeDestReply(golden('reply-dest.hex'), 'inet');
  assert.deepEqual(d, {
    address: '10.0.1.5',
    port: 8080,
    af: 'inet',
    fwd: 'route',
    weight: 70000,
    upperThreshold: 100,
    lowerThreshold: 10,
    activeConns: 3,
    inactConns: 7,
    persistConns: 2,
    tunType: 'ipip',
    tunPort: 0,
    tunFlags: 0,
    stats: { conns: 11n, inPkts: 0n, outPkts: 0n, inBytes: 2n ** 32n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n },
    statsWidth: 64,
  });
});

test('decodes info, config and daemon replies', () => {
  assert.deepEqual(decodeInfoReply(golden('reply-info.hex')), { version: '1.2.1', versionCode: 0x010201, connTabSize: 4096 });
  assert.deepEqual(decodeConfigReply(golden('reply-config.hex')), { tcp: 900, tcpFin: 120, udp: 300 });
  assert.deepEqual(decodeDaemonReply(golden('reply-daemon.hex')), {
    state: 'backup',
    mcastIfn: 'eth1',
    syncId: 9,
    syncMaxLen: 1400,
    mcastPort: 8848,
    mcastTtl: 1,
    mcastGroup: 'ff02::1:2',
  });
});

test('encode then decode round-trips (the decoder reads the 4-byte IPv4 ADDR too)', () => {
  const svc = { af: 'inet' as const, protocol: 'udp' as const, address: '192.0.2.7', port: 5353, scheduler: 'lc', flags: IP_VS_SVC_F.ONEPACKET, timeoutS: 0, netmask: 24 };
  const back = decodeServiceReply(encodeNewService(svc));
  assert.deepEqual(back, { ...svc, flagsMask: DEFAULT_FLAGS_MASK });
  const dest = { address: '192.0.2.8', port: 5353, fwd: 'masq' as const, weight: 0, upperThreshold: 0, lowerThreshold: 0 };
  const d = decodeDestReply(encodeNewDest(svc, dest), 'inet');
  assert.deepEqual(d, { ...dest, af: 'inet', activeConns: 0, inactConns: 0, persistConns: 0 });
});

test('every truncation of every reply fixture gives NetlinkDecodeError or a value, never another error', () => {
  const fixtures: [string, (b: Buffer) => unknown][] = [
    ['reply-service-tcp4.hex', decodeServiceReply],
    ['reply-service-pad.hex', decodeServiceReply],
    ['reply-dest.hex', (b) => decodeDestReply(b, 'inet')],
    ['reply-info.hex', decodeInfoReply],
    ['reply-config.hex', decodeConfigReply],
    ['reply-daemon.hex', decodeDaemonReply],
  ];
  for (const [name, fn] of fixtures) {
    const full = golden(name);
    for (let n = 0; n < full.length; n++) {
      try {
        fn(full.subarray(0, n));
      } catch (e) {
        assert.ok(e instanceof NetlinkDecodeError, `${name} cut at ${n}: ${String(e)}`);
      }
    }
  }
});

test('corrupted bytes give NetlinkDecodeError or a value, never another error (seeded)', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const fns: [Buffer, (b: Buffer) => unknown][] = [
    [golden('reply-service-tcp4.hex'), decodeServiceReply],
    [golden('reply-dest.hex'), (b) => decodeDestReply(b, 'inet6')],
    [golden('reply-daemon.hex'), decodeDaemonReply],
  ];
  for (const [full, fn] of fns) {
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(full);
      const flips = 1 + (rnd() % 4);
      for (let j = 0; j < flips; j++) b[rnd() % b.length] = rnd() & 0xff;
      try {
        fn(b);
      } catch (e) {
        assert.ok(e instanceof NetlinkDecodeError, String(e));
      }
    }
  }
});

test('missing identity attributes and unknown values are typed decode errors', () => {
  assert.throws(() => decodeServiceReply(Buffer.from('01010000', 'hex')), NetlinkDecodeError);
  assert.throws(() => decodeGenl(Buffer.from('0101', 'hex')), NetlinkDecodeError);
  // SERVICE nest with AF = 99
  assert.throws(() => decodeServiceReply(Buffer.from('01010000' + '0c000100' + '06000100' + '63000000', 'hex')), /address family 99/);
});

test('encoder refuses bad input with typed errors', () => {
  const base = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 };
  assert.throws(() => encodeNewService({ ...base, address: '2001:db8::1' }), IpvsAddressError);
  assert.throws(() => encodeNewService({ ...base, port: 65536 }), IpvsEncodeError);
  assert.throws(() => encodeNewService({ ...base, scheduler: 'x'.repeat(16) }), IpvsEncodeError);
  assert.throws(() => encodeNewService({ ...base, netmask: 33 }), IpvsAddressError);
  assert.throws(() => encodeNewService({ ...base, protocol: undefined }), IpvsEncodeError);
  assert.throws(() => encodeNewDest(base, { address: '10.0.0.2', port: 80, fwd: 'route', weight: -1, upperThreshold: 0, lowerThreshold: 0 }), IpvsEncodeError);
  assert.throws(() => encodeNewDaemon({ state: 'master', mcastIfn: 'a-very-long-ifname', syncId: 1 }), IpvsEncodeError);
});

test('IPv6 text as glibc inet_ntop prints it (ipvsadm output)', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['::10.1.2.3', '::10.1.2.3'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::', 'fe80::'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalAddr('inet6', input), want, input);
  assert.equal(ntop6(Buffer.alloc(16)), '::');
});

test('counters can be left undecoded (reconcile needs the configuration only)', () => {
  const s = decodeServiceReply(golden('reply-service-tcp4.hex'), { stats: false });
  assert.equal(s.stats, undefined);
  assert.equal(s.statsWidth, undefined);
  assert.equal(s.scheduler, 'wrr');
  assert.equal(decodeDestReply(golden('reply-dest.hex'), 'inet', { stats: false }).stats, undefined);
});
