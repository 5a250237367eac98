// Gratuitous ARP and unsolicited NA frames sent through an AF_PACKET socket in one namespace,
// seen by the peer namespace two ways: a packet socket there receives and decodes them, and the
// peer kernel's neighbour cache (`ip -j neigh`) takes the announced MAC for an existing (stale)
// entry, which it only does for well-formed frames (for the NA: hop limit 255, valid ICMPv6
// checksum, RFC 4861 §7.1.2).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AF_PACKET, ETH_P_ARP, ETH_P_IPV6, htons, SOCK_DGRAM } from '../../src/native/constants.ts';
import { sockaddrLl } from '../../src/native/sockaddr.ts';
import { RawSocket } from '../../src/native/socket.ts';
import type { RawMessage } from '../../src/native/socket.ts';
import { formatMac, parseMac } from '../../src/netlink/route-link.ts';
import { FrameSender } from '../../src/vips/frames.ts';
import { decodeArp, isGratuitous, sendGarp } from '../../src/vips/garp.ts';
import { decodeNa, sendUnsolicitedNa } from '../../src/vips/ndisc.ts';
import { formatIp, ip as ipBytes } from '../../src/vrrp/addr.ts';
import { ip, ipJson, netnsBlocker, nextEvent, waitFor } from '../lib/netns.ts';
import { vethPairSuite } from '../lib/lab.ts';

const blocker = netnsBlocker();

interface NeighJson {
  dst: string;
  lladdr?: string;
  state?: string[];
}

describe('GARP and unsolicited NA between namespaces', { skip: blocker ?? false }, () => {
  let macA: Uint8Array = new Uint8Array(6);
  const closers: { close(): void }[] = [];
  const v = vethPairSuite('l2', closers);

  before(() => {
    macA = parseMac(v.lab.link(v.nsA, v.devA).address!);
    ip(v.nsB, 'addr', 'add', '2001:db8::2/64', 'dev', v.devB, 'nodad');
  });

  const neigh = (dst: string): NeighJson | undefined => ipJson<NeighJson[]>(v.nsB, 'neigh', 'show', 'dev', v.devB).find((n) => n.dst === dst);

  it('a GARP for a VIP reaches the peer packet socket and updates its ARP cache', async () => {
    const vip = '192.0.2.100';
    // A stale entry with another MAC: a gratuitous ARP must override it (arp_process: is_garp).
    ip(v.nsB, 'neigh', 'add', vip, 'lladdr', '02:00:00:00:00:99', 'dev', v.devB, 'nud', 'stale');

    const rx = RawSocket.open(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP), { netns: v.nsB });
    closers.push(rx);
    rx.bind(sockaddrLl({ protocol: ETH_P_ARP, ifindex: v.idxB }));
    const got = nextEvent<RawMessage>(
      'the GARP',
      (cb) => {
        rx.on('message', cb);
        return () => rx.off('message', cb);
      },
      (m) => m.data.length >= 28 && formatIp(decodeArp(m.data).senderIp) === vip,
    );

    const tx = FrameSender.open(v.idxA, { netns: v.nsA });
    closers.push(tx);
    assert.equal(sendGarp(tx, macA, ipBytes(vip)), 42);

    const m = await got;
    const arp = decodeArp(m.data);
    assert.equal(arp.op, 1);
    assert.ok(isGratuitous(arp));
    assert.equal(formatMac(arp.senderMac), formatMac(macA));
    assert.equal(formatMac(arp.targetMac), 'ff:ff:ff:ff:ff:ff');
    assert.equal(m.ifindex, v.idxB);
    assert.ok(m.address.family === AF_PACKET && 'pkttype' in m.address && m.address.pkttype === 1, 'arrived as a broadcast');
    assert.equal('address' in m.address && formatMac(m.address.address), formatMac(macA));

    const entry = await waitFor('ARP cache updated', () => {
      const n = neigh(vip);
      return n?.lladdr === formatMac(macA) ? n : undefined;
    });
    assert.equal(entry.lladdr, formatMac(macA));
  });

  it('an unsolicited NA for a VIP reaches the peer and updates its neighbour cache', async () => {
    const vip = '2001:db8::100';
    ip(v.nsB, 'neigh', 'add', vip, 'lladdr', '02:00:00:00:00:98', 'dev', v.devB, 'nud', 'stale');

    const rx = RawSocket.open(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IPV6), { netns: v.nsB });
    closers.push(rx);
    rx.bind(sockaddrLl({ protocol: ETH_P_IPV6, ifindex: v.idxB }));
    const got = nextEvent<RawMessage>(
      'the NA',
      (cb) => {
        rx.on('message', cb);
        return () => rx.off('message', cb);
      },
      // IPv6 header (40) + ICMPv6 type 136
      (m) => m.data.length >= 64 && m.data[6] === 58 && m.data[40] === 136,
    );

    const tx = FrameSender.open(v.idxA, { netns: v.nsA });
    closers.push(tx);
    assert.equal(sendUnsolicitedNa(tx, macA, ipBytes(vip)), 86);

    const m = await got;
    assert.equal(m.data[7], 255, 'hop limit 255');
    assert.equal(formatIp(m.data.subarray(8, 24)), vip);
    assert.equal(formatIp(m.data.subarray(24, 40)), 'ff02::1');
    const na = decodeNa(m.data.subarray(40));
    assert.equal(na.override, true);
    assert.equal(na.solicited, false);
    assert.equal(formatIp(na.target), vip);
    assert.equal(formatMac(na.targetMac!), formatMac(macA));

    // The kernel drops an NA with a bad checksum or hop limit before touching the cache.
    await waitFor('neighbour cache updated', () => neigh(vip)?.lladdr === formatMac(macA));
  });

  it('the peer kernel ignores an NA whose checksum is wrong (so the checksum above is right)', async () => {
    const { encodeUnsolicitedNa } = await import('../../src/vips/ndisc.ts');
    const bad = '2001:db8::101';
    const good = '2001:db8::102';
    ip(v.nsB, 'neigh', 'add', bad, 'lladdr', '02:00:00:00:00:97', 'dev', v.devB, 'nud', 'stale');
    ip(v.nsB, 'neigh', 'add', good, 'lladdr', '02:00:00:00:00:96', 'dev', v.devB, 'nud', 'stale');
    const tx = FrameSender.open(v.idxA, { netns: v.nsA });
    closers.push(tx);
    const frame = encodeUnsolicitedNa(macA, ipBytes(bad));
    frame[14 + 40 + 2] ^= 0xff; // corrupt the ICMPv6 checksum
    tx.send(frame);
    tx.send(encodeUnsolicitedNa(macA, ipBytes(good)));
    // Frames on one veth are processed in order: once the good one is in, the bad one was seen.
    await waitFor('good NA applied', () => neigh(good)?.lladdr === formatMac(macA));
    assert.equal(neigh(bad)?.lladdr, '02:00:00:00:00:97');
  });
});
