// The probes a handing-over master sends once its claim watcher listens (src/vips/claim-probe.ts):
// an RFC 5227 ARP probe and an RFC 4862 DAD neighbour solicitation, byte by byte; neither is a
// claim itself. That a real kernel answers them is checked in test/netns/vrrp-claim-probe.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeArpProbe, encodeDadNs, solicitedNode } from '../../../src/vips/claim-probe.ts';
import { isClaim } from '../../../src/vips/claim-watch.ts';
import { decodeArp } from '../../../src/vips/garp.ts';
import { FrameError, onesSum } from '../../../src/vips/frames.ts';
import { ip } from '../../../src/vrrp/addr.ts';
import type { VipSpec } from '../../../src/vips/manager.ts';

const MAC = Uint8Array.from([0x02, 0, 0, 0, 0, 1]);
const OTHER = Uint8Array.from([0x02, 0, 0, 0, 0, 2]);
const v4: VipSpec = { family: 4, address: ip('10.0.0.100'), prefix: 32, ifindex: 2, ifname: 'eth0', scope: 0, text: '10.0.0.100/32 dev eth0' };
const v6: VipSpec = { family: 6, address: ip('2001:db8::1:2:3'), prefix: 64, ifindex: 2, ifname: 'eth0', scope: 0, text: '2001:db8::1:2:3/64 dev eth0' };

test('ARP probe (RFC 5227 §2.1.1): broadcast request, sender IP 0.0.0.0, target IP the VIP, target MAC zero', () => {
  const f = encodeArpProbe(MAC, v4.address);
  assert.equal(f.length, 42);
  assert.deepEqual([...f.subarray(0, 6)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...f.subarray(6, 12)], [...MAC]);
  assert.equal(f.readUInt16BE(12), 0x0806);
  const a = decodeArp(f.subarray(14));
  assert.equal(a.op, 1);
  assert.deepEqual([...a.senderMac], [...MAC]);
  assert.deepEqual([...a.senderIp], [0, 0, 0, 0]);
  assert.deepEqual([...a.targetMac], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...a.targetIp], [...v4.address]);
  // Not an announcement: nobody takes it for a claim, from whichever MAC.
  assert.equal(isClaim(f, [v4], OTHER), false);
});

test('solicited-node group (RFC 4291 §2.7.1): ff02::1:ff and the last 24 bits', () => {
  assert.deepEqual([...solicitedNode(v6.address)], [...ip('ff02::1:ff02:3')]);
});

test('DAD neighbour solicitation (RFC 4862 §5.4.2): from ::, to the solicited-node group, hop limit 255, no options, valid checksum', () => {
  const f = encodeDadNs(MAC, v6.address);
  assert.equal(f.length, 14 + 40 + 24);
  assert.deepEqual([...f.subarray(0, 6)], [0x33, 0x33, 0xff, 0x02, 0x00, 0x03]);
  assert.equal(f.readUInt16BE(12), 0x86dd);
  const ip6 = f.subarray(14, 54);
  assert.equal(ip6[0] >> 4, 6);
  assert.equal(ip6.readUInt16BE(4), 24, 'payload length');
  assert.equal(ip6[6], 58, 'next header ICMPv6');
  assert.equal(ip6[7], 255, 'hop limit');
  assert.deepEqual([...ip6.subarray(8, 24)], new Array(16).fill(0), 'source ::');
  assert.deepEqual([...ip6.subarray(24, 40)], [...ip('ff02::1:ff02:3')]);
  const icmp = f.subarray(54);
  assert.equal(icmp[0], 135);
  assert.equal(icmp[1], 0);
  assert.equal(icmp.readUInt32BE(4), 0, 'reserved');
  assert.deepEqual([...icmp.subarray(8, 24)], [...v6.address]);
  // RFC 4443 §2.3: the sum over pseudo-header and message, checksum included, is all ones.
  const ph = Buffer.alloc(40);
  ph.set(ip6.subarray(8, 24), 0);
  ph.set(ip6.subarray(24, 40), 16);
  ph.writeUInt32BE(icmp.length, 32);
  ph[39] = 58;
  assert.equal(onesSum(icmp, onesSum(ph)), 0xffff);
  assert.equal(isClaim(f, [v6], OTHER), false);
});

test('bad input: a wrong-sized MAC or address is a FrameError naming it', () => {
  assert.throws(() => encodeArpProbe(MAC.subarray(0, 5), v4.address), FrameError);
  assert.throws(() => encodeArpProbe(MAC, v6.address), /IPv4 VIP must be 4 bytes/);
  assert.throws(() => encodeDadNs(MAC, v4.address), /IPv6 VIP must be 16 bytes/);
});
