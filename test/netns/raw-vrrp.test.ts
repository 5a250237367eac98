// Raw IP protocol 112 sockets between two namespaces joined by a veth pair, set up the way the
// VRRP transport will: multicast to 224.0.0.18 / ff02::12 with TTL / hop limit 255 (RFC 5798
// §5.1.1.3 and §5.1.2.3: "The TTL MUST be set to 255", "The Hop Limit MUST be set to 255"), loop
// off, bound to the device; the receiver joins the group and asks for TTL/hop limit and packet
// info. The payload is a dummy: only the socket layer is under test here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET,
  AF_INET6,
  IP_ADD_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PKTINFO,
  IP_RECVTTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_VRRP,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  SOCK_RAW,
} from '../../src/native/constants.ts';
import { ipv6PktinfoCmsg } from '../../src/native/cmsg.ts';
import { sockaddrIn, sockaddrIn6 } from '../../src/native/sockaddr.ts';
import { ipMreqn, ipv6Mreq } from '../../src/native/sockopt.ts';
import { RawSocket } from '../../src/native/socket.ts';
import type { RawMessage } from '../../src/native/socket.ts';
import { isSysError } from '../../src/native/index.ts';
import { formatIp, ip as ipBytes } from '../../src/vrrp/addr.ts';
import { ip, netnsBlocker, nextEvent } from '../lib/netns.ts';
import { vethPairSuite } from '../lib/lab.ts';

const blocker = netnsBlocker();

function nextMessage(sock: RawSocket, match: (m: RawMessage) => boolean): Promise<RawMessage> {
  return nextEvent<RawMessage>(
    'a VRRP datagram',
    (cb) => {
      sock.on('message', cb);
      return () => sock.off('message', cb);
    },
    match,
  );
}

describe('raw IPPROTO_VRRP sockets between namespaces', { skip: blocker ?? false }, () => {
  const socks: RawSocket[] = [];
  const v = vethPairSuite('vr', socks);
  const open = (ns: string, domain: number) => {
    const s = RawSocket.open(domain, SOCK_RAW, IPPROTO_VRRP, { netns: ns });
    socks.push(s);
    return s;
  };

  it('IPv4: 224.0.0.18 with TTL 255 arrives with ttl 255, ifindex and source', async () => {
    const rx = open(v.nsB, AF_INET);
    rx.bindToDevice(v.devB);
    rx.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(ipBytes('224.0.0.18'), v.idxB));
    rx.setOption(IPPROTO_IP, IP_RECVTTL, 1);
    rx.setOption(IPPROTO_IP, IP_PKTINFO, 1);

    const tx = open(v.nsA, AF_INET);
    tx.bindToDevice(v.devA);
    tx.setOption(IPPROTO_IP, IP_MULTICAST_TTL, 255);
    tx.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    tx.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(ipBytes('0.0.0.0'), v.idxA));

    const payload = Buffer.from('kats-vrrp-v4-dummy-payload');
    const got = nextMessage(rx, (m) => m.data.subarray(m.data.length - payload.length).equals(payload));
    assert.equal(tx.send(payload, sockaddrIn(ipBytes('224.0.0.18'))), payload.length);
    const m = await got;
    assert.equal(m.ttl, 255);
    assert.equal(m.ifindex, v.idxB);
    assert.equal(formatIp(m.src!), '192.0.2.1');
    assert.equal(formatIp(m.dst!), '224.0.0.18');
    assert.equal(m.truncated, false);
    // A raw IPv4 socket sees the IP header: version 4, protocol 112, TTL 255 on the wire.
    assert.equal(m.data[0] >> 4, 4);
    assert.equal(m.data[9], IPPROTO_VRRP);
    assert.equal(m.data[8], 255);
  });

  it('IPv6: ff02::12 with hop limit 255 from the link-local source', async () => {
    const rx = open(v.nsB, AF_INET6);
    rx.bindToDevice(v.devB);
    rx.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(ipBytes('ff02::12'), v.idxB));
    rx.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    rx.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);

    const tx = open(v.nsA, AF_INET6);
    tx.bindToDevice(v.devA);
    tx.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
    tx.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
    tx.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, v.idxA);

    const ll = v.lab.addrs(v.nsA, v.devA).find((a) => a.family === 'inet6' && a.scope === 'link')?.local;
    assert.ok(ll, 'sender has a link-local address');

    const payload = Buffer.from('kats-vrrp-v6-dummy');
    let got = nextMessage(rx, (m) => m.data.equals(payload));
    tx.send(payload, sockaddrIn6(ipBytes('ff02::12'), 0, v.idxA));
    let m = await got;
    assert.equal(m.hopLimit, 255);
    assert.equal(m.ifindex, v.idxB);
    assert.equal(formatIp(m.src!), ll);
    assert.equal(formatIp(m.dst!), 'ff02::12');
    assert.ok(m.address.family === AF_INET6 && 'scopeId' in m.address && m.address.scopeId === v.idxB);

    // Choosing the source explicitly with IPV6_PKTINFO (as a VRRP router with several
    // link-local addresses must), here a second link-local address.
    ip(v.nsA, 'addr', 'add', 'fe80::1:2/64', 'dev', v.devA, 'nodad');
    const payload2 = Buffer.from('kats-vrrp-v6-pktinfo');
    got = nextMessage(rx, (x) => x.data.equals(payload2));
    tx.sendmsg(payload2, sockaddrIn6(ipBytes('ff02::12'), 0, v.idxA), ipv6PktinfoCmsg(ipBytes('fe80::1:2'), v.idxA));
    m = await got;
    assert.equal(formatIp(m.src!), 'fe80::1:2');
    assert.equal(m.hopLimit, 255);
  });

  it('errors carry errno names: a source we do not own is EINVAL/EADDRNOTAVAIL', () => {
    const tx = open(v.nsA, AF_INET6);
    assert.throws(
      () => tx.sendmsg(Buffer.from('x'), sockaddrIn6(ipBytes('ff02::12'), 0, v.idxA), ipv6PktinfoCmsg(ipBytes('2001:db8::99'), v.idxA)),
      (e: unknown) => isSysError(e) && ['EINVAL', 'EADDRNOTAVAIL'].includes(e.code) && e.syscall === 'sendmsg' && e.errno > 0,
    );
    assert.throws(() => tx.bindToDevice('kats-nodev'), (e: unknown) => isSysError(e) && e.code === 'ENODEV' && e.syscall === 'setsockopt');
  });
});
