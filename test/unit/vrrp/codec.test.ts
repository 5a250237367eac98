// Packet codec: golden bytes captured from a real keepalived 2.2.7 (test/golden/vrrp/capture.sh),
// checked field by field against the RFC 3768 §5.3 / RFC 5798 §5.2 layout, decoded by us, and
// re-encoded byte-identically; receive-side checks by reason code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGolden, pcapPackets, ipPayload } from '../../golden/vrrp/pcap.ts';
import { ip, formatIp, parseIp, compareIp } from '../../../src/vrrp/addr.ts';
import { internetChecksum, pseudoHeader } from '../../../src/vrrp/checksum.ts';
import {
  decodeAdvert,
  encodeAdvert,
  checkAdvert,
  receiveAdvert,
  authPassBytes,
  newDropCounters,
  countDrop,
  DROP_REASONS,
  type RxMeta,
  type RxCheckConfig,
} from '../../../src/vrrp/packet.ts';

const goldenDir = join(import.meta.dirname, '../../golden/vrrp');
function golden(name: string) {
  const g = parseGolden(readFileSync(join(goldenDir, `${name}.hex`), 'utf8'));
  const meta: RxMeta = { family: g.family, src: ip(g.src), dst: ip(g.dst), ttl: g.ttl };
  return { ...g, meta };
}

test('golden .hex files match their VRRP packet in the pcap (pcap parser cross-check)', () => {
  for (const name of ['v2-pass', 'v2-noauth', 'v2-prio0', 'v3-ipv4', 'v3-ipv6']) {
    const g = golden(name);
    const pkts = pcapPackets(new Uint8Array(readFileSync(join(goldenDir, `${name}.pcap`)))).map(ipPayload);
    // v2-prio0.pcap holds adverts then the shutdown advert: its golden is the priority-0 packet
    const first = pkts.find((p) => p.protocol === 112 && (name !== 'v2-prio0' || p.payload[2] === 0));
    assert.ok(first, name);
    assert.deepEqual(first.payload, g.bytes, name);
    assert.equal(formatIp(first.src), g.src);
    assert.equal(first.ttl, 255);
  }
});

test('golden v2 PASS advert: RFC 3768 field layout by hand', () => {
  const b = golden('v2-pass').bytes;
  assert.equal(b.length, 8 + 2 * 4 + 8);
  assert.equal(b[0], 0x21); // version 2, type 1
  assert.equal(b[1], 51); // VRID
  assert.equal(b[2], 100); // priority
  assert.equal(b[3], 2); // count IP addrs
  assert.equal(b[4], 1); // auth type PASS
  assert.equal(b[5], 1); // advert int 1 s
  assert.deepEqual([...b.subarray(8, 16)], [10, 77, 0, 100, 10, 77, 0, 101]);
  // "secret12345" truncated to 8 bytes, as keepalived does.
  assert.equal(Buffer.from(b.subarray(16)).toString('latin1'), 'secret12');
  assert.equal(internetChecksum(b), 0);
});

test('golden v3 IPv4 advert: 12-bit max advert int in centiseconds and pseudo-header checksum', () => {
  const g = golden('v3-ipv4');
  const b = g.bytes;
  assert.equal(b[0], 0x31);
  assert.equal(((b[4] & 0x0f) << 8) | b[5], 50); // advert_int 0.5 s = 50 cs
  assert.equal(b.length, 8 + 2 * 4);
  assert.equal(internetChecksum(pseudoHeader(g.meta.src, g.meta.dst, b.length), b), 0);
  assert.notEqual(internetChecksum(b), 0);
});

test('golden v3 IPv6 advert: IPv6 pseudo-header checksum, ff02::12, hop limit 255', () => {
  const g = golden('v3-ipv6');
  assert.equal(g.dst, 'ff02::12');
  assert.equal(g.src, 'fe80::1');
  assert.equal(g.bytes.length, 8 + 16);
  assert.equal(internetChecksum(pseudoHeader(g.meta.src, g.meta.dst, g.bytes.length), g.bytes), 0);
});

const goldenCases = [
  // keepalived's shutdown advert (priority 0, "sent 0 priority")
  { name: 'v2-prio0', version: 2, priority: 0, addrs: ['10.77.0.100'], advertIntCs: 100, authType: 0 },
  { name: 'v2-pass', version: 2, addrs: ['10.77.0.100', '10.77.0.101'], advertIntCs: 100, authType: 1, authPass: 'secret12345' },
  { name: 'v2-noauth', version: 2, addrs: ['10.77.0.100'], advertIntCs: 100, authType: 0 },
  { name: 'v3-ipv4', version: 3, addrs: ['10.77.0.100', '10.77.0.101'], advertIntCs: 50 },
  { name: 'v3-ipv6', version: 3, addrs: ['2001:db8:77::100'], advertIntCs: 100 },
] as const;

for (const c of goldenCases) {
  test(`decoder accepts keepalived's real ${c.name} advert and the encoder reproduces it byte for byte`, () => {
    const g = golden(c.name);
    const d = decodeAdvert(g.bytes, g.meta);
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(d.advert.version, c.version);
    assert.equal(d.advert.vrid, 51);
    const priority = 'priority' in c ? c.priority : 100;
    assert.equal(d.advert.priority, priority);
    assert.equal(d.advert.advertIntCs, c.advertIntCs);
    assert.deepEqual(d.advert.addrs.map(formatIp), [...c.addrs]);
    const enc = encodeAdvert({
      version: c.version,
      vrid: 51,
      priority,
      family: g.family,
      addrs: c.addrs.map(ip),
      advertIntCs: c.advertIntCs,
      authType: 'authType' in c ? c.authType : undefined,
      authPass: 'authPass' in c ? c.authPass : undefined,
      src: g.meta.src,
      dst: g.meta.dst,
    });
    assert.deepEqual(enc, g.bytes);
    const cfg: RxCheckConfig = {
      name: 'VI_1',
      version: c.version,
      vrid: 51,
      advertIntCs: c.advertIntCs,
      authType: 'authType' in c ? c.authType : 0,
      authPass: 'authPass' in c ? c.authPass : undefined,
      vips: c.addrs.map(ip),
    };
    assert.deepEqual(checkAdvert(d.advert, g.meta, cfg), { ok: true });
  });
}

const v4meta: RxMeta = { family: 4, src: ip('10.0.0.2'), dst: ip('224.0.0.18'), ttl: 255 };
const baseCfg: RxCheckConfig = { name: 'VI_1', version: 2, vrid: 51, advertIntCs: 100, authType: 0, vips: [ip('10.0.0.100')] };
function v2(over: Partial<Parameters<typeof encodeAdvert>[0]> = {}) {
  return encodeAdvert({ version: 2, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, ...over });
}
function reason(payload: Uint8Array, cfg: Partial<RxCheckConfig> = {}, meta: Partial<RxMeta> = {}, master?: Uint8Array) {
  const r = receiveAdvert(payload, { ...v4meta, ...meta }, { ...baseCfg, ...cfg }, master);
  return r.ok ? 'ok' : r.reason;
}

test('receive checks: TTL/hop limit must be 255 (RFC 5798 7.1), not for unicast', () => {
  assert.equal(reason(v2(), {}, { ttl: 254 }), 'ttl');
  assert.equal(reason(v2(), { unicast: true }, { ttl: 64 }), 'ok');
});

test('receive checks: short packet, unknown version, wrong type, bad length, bad checksum', () => {
  assert.equal(reason(new Uint8Array(7)), 'short');
  const p = v2();
  const bad = (f: (b: Uint8Array) => void) => {
    const b = p.slice();
    f(b);
    return b;
  };
  assert.equal(reason(bad((b) => (b[0] = 0x41))), 'version');
  assert.equal(reason(bad((b) => (b[0] = 0x22))), 'type');
  assert.equal(reason(p.subarray(0, p.length - 1)), 'length');
  assert.equal(reason(bad((b) => (b[3] = 2))), 'length');
  assert.equal(reason(bad((b) => (b[7] ^= 1))), 'checksum');
  assert.equal(reason(bad((b) => (b[2] = 99))), 'checksum');
});

test('receive checks: version must be the instance version', () => {
  const v3 = encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, src: v4meta.src, dst: v4meta.dst });
  assert.equal(reason(v3), 'version_mismatch');
  assert.equal(reason(v3, { version: 3 }), 'ok');
});

test('receive checks: v3 checksum over the pseudo-header, or as v2 with the compatibility flag', () => {
  const params = { version: 3 as const, vrid: 51, priority: 100, family: 4 as const, addrs: [ip('10.0.0.100')], advertIntCs: 100, src: v4meta.src, dst: v4meta.dst };
  const pseudo = encodeAdvert(params);
  const plain = encodeAdvert({ ...params, v3ChecksumAsV2: true });
  assert.notDeepEqual(pseudo, plain);
  assert.equal(reason(pseudo, { version: 3 }), 'ok');
  assert.equal(reason(plain, { version: 3 }), 'checksum');
  assert.equal(reason(plain, { version: 3, v3ChecksumAsV2: true } as Partial<RxCheckConfig>), 'ok');
  // the source address is part of the sum
  assert.equal(reason(pseudo, { version: 3 }, { src: ip('10.0.0.3') }), 'checksum');
});

test('receive checks: v2 auth type and PASS password (8 bytes, truncated as keepalived)', () => {
  const pass = v2({ authType: 1, authPass: 'secret12' });
  assert.equal(reason(pass), 'auth_type');
  assert.equal(reason(v2(), { authType: 1, authPass: 'secret12' }), 'auth_type');
  assert.equal(reason(pass, { authType: 1, authPass: 'secret12' }), 'ok');
  assert.equal(reason(pass, { authType: 1, authPass: 'secret12-and-more' }), 'ok');
  assert.equal(reason(pass, { authType: 1, authPass: 'secret13' }), 'auth_pass');
  assert.deepEqual([...authPassBytes('ab')], [97, 98, 0, 0, 0, 0, 0, 0]);
  // AH (type 2) is decoded and counted as a mismatch when we expect none; unknown types too.
  const ah = v2();
  ah[4] = 2;
  ah[6] = 0;
  ah[7] = 0;
  const sum = internetChecksum(ah);
  ah[6] = sum >> 8;
  ah[7] = sum & 0xff;
  assert.equal(reason(ah), 'auth_type');
  assert.equal(reason(ah, { authType: 2 }), 'ok');
});

test('receive checks: v2 advert interval mismatch is a drop, v3 mismatch is accepted', () => {
  assert.equal(reason(v2({ advertIntCs: 200 })), 'interval_mismatch');
  const v3 = encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 25, src: v4meta.src, dst: v4meta.dst });
  assert.equal(reason(v3, { version: 3 }), 'ok');
});

test('receive checks: address list as keepalived <= 2.3.2 (count mismatch or missing VIP rejects)', () => {
  assert.equal(reason(v2({ addrs: [ip('10.0.0.100'), ip('10.0.0.101')] })), 'addr_count');
  assert.equal(reason(v2({ addrs: [ip('10.0.0.99')] })), 'addr_list');
  // skip_check_adv_addr skips both, but only for the master we already follow
  const cfg = { skipCheckAdvAddr: true };
  assert.equal(reason(v2({ addrs: [ip('10.0.0.99')] }), cfg, {}, ip('10.0.0.2')), 'ok');
  assert.equal(reason(v2({ addrs: [ip('10.0.0.99')] }), cfg, {}, ip('10.0.0.3')), 'addr_list');
  assert.equal(reason(v2({ addrs: [ip('10.0.0.99')] }), cfg), 'addr_list');
});

test('receive checks: vrid of another instance, unicast source not a peer', () => {
  assert.equal(reason(v2({ vrid: 52 })), 'vrid_unknown');
  assert.equal(reason(v2(), { unicast: true, unicastPeers: [ip('10.0.0.9')] }), 'unicast_src');
  assert.equal(reason(v2(), { unicast: true, unicastPeers: [ip('10.0.0.2')] }), 'ok');
});

test('decoder rejects VRRPv2 over IPv6', () => {
  const r = decodeAdvert(v2(), { family: 6, src: ip('fe80::1'), dst: ip('ff02::12'), ttl: 255 });
  assert.equal(r.ok ? 'ok' : r.reason, 'version');
});

test('drop counters: one counter per reason, all start at zero', () => {
  const c = newDropCounters();
  assert.deepEqual(Object.keys(c).sort(), [...DROP_REASONS].sort());
  countDrop(c, 'ttl');
  countDrop(c, 'ttl');
  assert.equal(c.ttl, 2);
  assert.equal(c.checksum, 0);
});

test('v2 encoder writes sub-second intervals as 1 s and rounds up', () => {
  assert.equal(v2({ advertIntCs: 10 })[5], 1);
  assert.equal(v2({ advertIntCs: 150 })[5], 2);
});

test('addresses: parse/format round trip (RFC 5952) and unsigned big-endian comparison', () => {
  for (const a of ['10.0.0.1', 'fe80::1', '2001:db8::1:0:0:1', '::', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1']) {
    const b = parseIp(a);
    assert.ok(b, a);
  }
  assert.equal(formatIp(ip('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(formatIp(ip('fe80:0:0:0:0:0:0:1')), 'fe80::1');
  assert.equal(formatIp(ip('1:0:2:0:3:0:4:0')), '1:0:2:0:3:0:4:0');
  assert.equal(parseIp('1.2.3.256'), undefined);
  assert.equal(parseIp('1::2::3'), undefined);
  assert.ok(compareIp(ip('10.0.0.200'), ip('10.0.0.3')) > 0);
  assert.ok(compareIp(ip('fe80::ff'), ip('fe80::1:0')) < 0);
  assert.ok(compareIp(ip('128.0.0.1'), ip('127.255.255.255')) > 0);
});
