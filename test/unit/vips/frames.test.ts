// GARP and unsolicited NA encoders against frames the real keepalived sent (captured by
// capture-keepalived.sh in this directory): byte-identical for the same MAC and VIP. Plus the
// checksum maths, decoders, and seeded fuzzing of the decoders (FrameError only).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMac } from '../../../src/netlink/route-link.ts';
import { ETH_HLEN, FrameError, IPV6_HLEN, ipv6MulticastMac, ipv6PseudoChecksum, onesSum } from '../../../src/vips/frames.ts';
import { decodeArp, encodeGarp, GARP_FRAME_LEN, isGratuitous } from '../../../src/vips/garp.ts';
import { ALL_NODES, decodeNa, encodeUnsolicitedNa, NA_FRAME_LEN } from '../../../src/vips/ndisc.ts';
import { ip } from '../../../src/vrrp/addr.ts';
import { prng } from '../netlink/golden.ts';

function golden(name: string): { meta: Record<string, string>; bytes: Buffer } {
  const meta: Record<string, string> = {};
  let hex = '';
  for (const line of readFileSync(join(import.meta.dirname, name), 'utf8').split('\n')) {
    const m = /^# (\S+) ?(.*)$/.exec(line);
    if (m) meta[m[1]] = m[2];
    else if (!line.startsWith('#')) hex += line.trim();
  }
  return { meta, bytes: Buffer.from(hex, 'hex') };
}

describe('gratuitous ARP', () => {
  it('is byte-identical to keepalived\'s', () => {
    const g = golden('keepalived-garp.hex');
    const frame = encodeGarp(parseMac(g.meta.mac), ip(g.meta.vip));
    assert.equal(frame.length, GARP_FRAME_LEN);
    assert.equal(frame.toString('hex'), g.bytes.toString('hex'));
  });

  it('decodes to a broadcast request with sender IP = target IP', () => {
    const frame = encodeGarp(parseMac('02:00:00:00:00:01'), ip('192.0.2.7'));
    assert.equal(frame.subarray(0, 6).toString('hex'), 'ffffffffffff');
    assert.equal(frame.readUInt16BE(12), 0x0806);
    const p = decodeArp(frame.subarray(ETH_HLEN));
    assert.equal(p.op, 1);
    assert.ok(isGratuitous(p));
    assert.deepEqual(p.senderIp, ip('192.0.2.7'));
    assert.deepEqual(p.targetMac, Uint8Array.of(255, 255, 255, 255, 255, 255));
  });

  it('refuses a bad MAC or VIP', () => {
    assert.throws(() => encodeGarp(new Uint8Array(5), ip('192.0.2.7')), FrameError);
    assert.throws(() => encodeGarp(new Uint8Array(6), ip('2001:db8::1')), FrameError);
  });
});

describe('unsolicited neighbour advertisement', () => {
  it('is byte-identical to keepalived\'s (checksum included)', () => {
    const g = golden('keepalived-na.hex');
    const frame = encodeUnsolicitedNa(parseMac(g.meta.mac), ip(g.meta.vip));
    assert.equal(frame.length, NA_FRAME_LEN);
    assert.equal(frame.toString('hex'), g.bytes.toString('hex'));
  });

  it('has the RFC 4861 fields: ff02::1, hop limit 255, override, target and its MAC', () => {
    const mac = parseMac('02:00:00:00:00:02');
    const vip = ip('2001:db8::5');
    const f = encodeUnsolicitedNa(mac, vip, { router: true });
    assert.equal(f.subarray(0, 6).toString('hex'), '333300000001');
    assert.equal(f[ETH_HLEN + 7], 255);
    assert.deepEqual(Uint8Array.from(f.subarray(ETH_HLEN + 24, ETH_HLEN + 40)), ALL_NODES);
    const na = decodeNa(f.subarray(ETH_HLEN + IPV6_HLEN));
    assert.deepEqual(na, { router: true, solicited: false, override: true, target: vip, targetMac: mac });
    // A correct checksum makes the sum over pseudo-header and message come out as all ones.
    const icmp = f.subarray(ETH_HLEN + IPV6_HLEN);
    const ph = Buffer.alloc(40);
    ph.set(vip, 0);
    ph.set(ALL_NODES, 16);
    ph.writeUInt32BE(icmp.length, 32);
    ph[39] = 58;
    assert.equal(onesSum(icmp, onesSum(ph)), 0xffff);
  });

  it('checksum maths: RFC 1071 example and odd lengths', () => {
    // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
    assert.equal(onesSum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)), 0xddf2);
    assert.equal(onesSum(Uint8Array.of(0x01)), 0x0100);
    assert.equal(ipv6PseudoChecksum(new Uint8Array(16), new Uint8Array(16), 58, new Uint8Array(0)), ~58 & 0xffff);
  });

  it('maps IPv6 multicast to 33:33:xx and refuses non-multicast', () => {
    assert.deepEqual(ipv6MulticastMac(ip('ff02::12')), Uint8Array.of(0x33, 0x33, 0, 0, 0, 0x12));
    assert.throws(() => ipv6MulticastMac(ip('2001:db8::1')), FrameError);
    assert.throws(() => encodeUnsolicitedNa(new Uint8Array(6), ip('192.0.2.1')), FrameError);
  });
});

describe('frame decoders under fuzzing', () => {
  it('give FrameError only', () => {
    const rnd = prng(0x6c32);
    const srcs = [encodeGarp(parseMac('02:00:00:00:00:01'), ip('192.0.2.7')).subarray(ETH_HLEN), encodeUnsolicitedNa(parseMac('02:00:00:00:00:01'), ip('2001:db8::1')).subarray(ETH_HLEN + IPV6_HLEN)];
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(srcs[i % 2]);
      const cut = Math.floor(rnd() * (b.length + 1));
      for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const input = rnd() < 0.5 ? b.subarray(0, cut) : b;
      for (const dec of [decodeArp, decodeNa]) {
        try {
          dec(input);
        } catch (e) {
          assert.ok(e instanceof FrameError, `${dec.name}: ${(e as Error).name} ${(e as Error).message}`);
        }
      }
    }
  });
});
