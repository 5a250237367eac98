// isClaim(): which frames tell a handing-over master that another host now announces its VIPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isClaim } from '../../../src/vips/claim-watch.ts';
import { encodeGarp } from '../../../src/vips/garp.ts';
import { encodeUnsolicitedNa } from '../../../src/vips/ndisc.ts';
import { ip } from '../../../src/vrrp/addr.ts';
import type { VipSpec } from '../../../src/vips/manager.ts';

const OURS = Uint8Array.from([0x02, 0, 0, 0, 0, 1]);
const THEIRS = Uint8Array.from([0x02, 0, 0, 0, 0, 2]);
const v4: VipSpec = { family: 4, address: ip('10.0.0.100'), prefix: 32, ifindex: 2, ifname: 'eth0', scope: 0, text: '10.0.0.100/32 dev eth0' };
const v6: VipSpec = { family: 6, address: ip('2001:db8::100'), prefix: 64, ifindex: 2, ifname: 'eth0', scope: 0, text: '2001:db8::100/64 dev eth0' };

test('a gratuitous ARP for our VIP from another MAC is a claim', () => {
  assert.equal(isClaim(encodeGarp(THEIRS, v4.address), [v4], OURS), true);
});

test('our own gratuitous ARP is not a claim', () => {
  assert.equal(isClaim(encodeGarp(OURS, v4.address), [v4], OURS), false);
});

test('a gratuitous ARP for another address is not a claim', () => {
  assert.equal(isClaim(encodeGarp(THEIRS, ip('10.0.0.101')), [v4], OURS), false);
});

test('an unsolicited NA for our IPv6 VIP from another MAC is a claim; for another target it is not', () => {
  assert.equal(isClaim(encodeUnsolicitedNa(THEIRS, v6.address), [v6], OURS), true);
  assert.equal(isClaim(encodeUnsolicitedNa(THEIRS, ip('2001:db8::101')), [v6], OURS), false);
  assert.equal(isClaim(encodeUnsolicitedNa(OURS, v6.address), [v6], OURS), false);
});

test('an IPv4 VIP is not claimed by an NA, nor an IPv6 VIP by an ARP', () => {
  assert.equal(isClaim(encodeUnsolicitedNa(THEIRS, v6.address), [v4], OURS), false);
  assert.equal(isClaim(encodeGarp(THEIRS, v4.address), [v6], OURS), false);
});

test('short, truncated and garbage frames are never claims and never throw', () => {
  const garp = encodeGarp(THEIRS, v4.address);
  const na = encodeUnsolicitedNa(THEIRS, v6.address);
  for (let n = 0; n < garp.length; n++) assert.equal(isClaim(garp.subarray(0, n), [v4], OURS), false);
  for (let n = 0; n < 14 + 40 + 24; n++) assert.equal(isClaim(na.subarray(0, n), [v6], OURS), false);
  // seeded pseudo-random frames
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    const len = i % 120;
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    assert.equal(typeof isClaim(b, [v4, v6], OURS), 'boolean');
  }
});
