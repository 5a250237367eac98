// Pure byte layouts: sockaddr_*, cmsghdr, socket option structs (linux UAPI, 64-bit).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCmsg, decodeRecvInfo, ipPktinfoCmsg, ipv6HopLimitCmsg, ipv6PktinfoCmsg, parseCmsgs } from '../../../src/native/cmsg.ts';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, ETH_P_ARP, htons, IP_TTL, IPV6_HOPLIMIT, SOL_IP, SOL_IPV6 } from '../../../src/native/constants.ts';
import { decodeSockaddr, sockaddrIn, sockaddrIn6, sockaddrLl, sockaddrNl, SockaddrError } from '../../../src/native/sockaddr.ts';
import { ifnameOpt, intOpt, ipMreqn, ipv6Mreq, packetMreq } from '../../../src/native/sockopt.ts';
import { ip } from '../../../src/vrrp/addr.ts';

describe('sockaddr', () => {
  it('sockaddr_in', () => {
    const b = sockaddrIn(ip('224.0.0.18'), 0x1234);
    assert.equal(b.toString('hex'), '02001234e000001200000000' + '00000000');
    assert.deepEqual(decodeSockaddr(b), { family: AF_INET, port: 0x1234, address: ip('224.0.0.18') });
  });

  it('sockaddr_in6 with scope id', () => {
    const b = sockaddrIn6(ip('ff02::12'), 0, 7);
    assert.equal(b.length, 28);
    assert.equal(b.toString('hex'), '0a000000' + '00000000' + 'ff020000000000000000000000000012' + '07000000');
    assert.deepEqual(decodeSockaddr(b), { family: AF_INET6, port: 0, flowinfo: 0, address: ip('ff02::12'), scopeId: 7 });
  });

  it('sockaddr_nl', () => {
    const b = sockaddrNl(42, 0x11);
    assert.equal(b.toString('hex'), '100000002a00000011000000');
    assert.deepEqual(decodeSockaddr(b), { family: AF_NETLINK, pid: 42, groups: 0x11 });
  });

  it('sockaddr_ll', () => {
    const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
    const b = sockaddrLl({ protocol: ETH_P_ARP, ifindex: 3, hatype: 1, pkttype: 1, address: mac });
    assert.equal(b.toString('hex'), '1100' + '0806' + '03000000' + '0100' + '01' + '06' + '020000000001' + '0000');
    assert.deepEqual(decodeSockaddr(b), { family: AF_PACKET, protocol: ETH_P_ARP, ifindex: 3, hatype: 1, pkttype: 1, address: mac });
  });

  it('rejects wrong sizes and short buffers with SockaddrError', () => {
    assert.throws(() => sockaddrIn(new Uint8Array(16)), SockaddrError);
    assert.throws(() => sockaddrIn6(new Uint8Array(4)), SockaddrError);
    assert.throws(() => sockaddrLl({ protocol: 0, ifindex: 1, address: new Uint8Array(9) }), SockaddrError);
    assert.throws(() => decodeSockaddr(Buffer.from([2, 0, 0])), SockaddrError);
    assert.deepEqual(decodeSockaddr(Buffer.alloc(0)), { family: 0, raw: Buffer.alloc(0) });
    assert.equal(decodeSockaddr(Buffer.from([99, 0, 1, 2])).family, 99);
  });

  it('htons', () => {
    assert.equal(htons(0x0806), 0x0608);
    assert.equal(htons(0x0003), 0x0300);
  });
});

describe('control messages', () => {
  it('builds IPV6_PKTINFO as cmsghdr(16) + in6_pktinfo(20), padded to 8', () => {
    const c = ipv6PktinfoCmsg(ip('fe80::1'), 5);
    assert.equal(c.length, 40);
    assert.equal(c.readBigUInt64LE(0), 36n);
    assert.equal(c.readInt32LE(8), SOL_IPV6);
    assert.equal(c.readInt32LE(12), 50);
    assert.equal(c.subarray(16, 36).toString('hex'), 'fe800000000000000000000000000001' + '05000000');
  });

  it('parses several messages and decodes what receivers need', () => {
    const ttl = buildCmsg(SOL_IP, IP_TTL, intOpt(255));
    const pi = ipPktinfoCmsg(4, ip('224.0.0.18'));
    // in_pktinfo: ifindex, spec_dst, addr. Build one as the kernel does (addr = destination).
    pi.set(ip('224.0.0.18'), 24);
    const hop = ipv6HopLimitCmsg(255);
    const pi6 = ipv6PktinfoCmsg(ip('ff02::12'), 9);
    const all = Buffer.concat([ttl, pi, hop, pi6]);
    assert.equal(parseCmsgs(all).length, 4);
    const info = decodeRecvInfo(Buffer.concat([ttl, pi]));
    assert.equal(info.ttl, 255);
    assert.equal(info.ifindex, 4);
    assert.deepEqual(info.dst, ip('224.0.0.18'));
    const info6 = decodeRecvInfo(Buffer.concat([hop, pi6]));
    assert.equal(info6.hopLimit, 255);
    assert.equal(info6.ifindex, 9);
    assert.deepEqual(info6.dst, ip('ff02::12'));
    assert.equal(buildCmsg(SOL_IPV6, IPV6_HOPLIMIT, intOpt(1)).length, 24);
  });

  it('ignores truncated or malformed control data', () => {
    const c = ipv6PktinfoCmsg(ip('::1'), 1);
    assert.deepEqual(parseCmsgs(c.subarray(0, 20)), []);
    const bad = Buffer.from(c);
    bad.writeBigUInt64LE(1000n, 0);
    assert.deepEqual(parseCmsgs(bad), []);
    bad.writeBigUInt64LE(3n, 0);
    assert.deepEqual(parseCmsgs(bad), []);
  });
});

describe('socket option structs', () => {
  it('ip_mreqn, ipv6_mreq, packet_mreq, ifname', () => {
    assert.equal(ipMreqn(ip('224.0.0.18'), 3).toString('hex'), 'e0000012' + '00000000' + '03000000');
    assert.equal(ipv6Mreq(ip('ff02::12'), 3).toString('hex'), 'ff020000000000000000000000000012' + '03000000');
    assert.equal(packetMreq(2, 1).toString('hex'), '02000000' + '0100' + '0000' + '0000000000000000');
    assert.equal(ifnameOpt('eth0').toString('hex'), '6574683000');
    assert.throws(() => ifnameOpt('x'.repeat(16)), RangeError);
    assert.throws(() => ipMreqn(new Uint8Array(16), 1), RangeError);
  });
});
