// rtnetlink codec against golden bytes: our requests compared with what iproute2 sends for the
// same command (captured with strace, an independent oracle) and frozen byte for byte; kernel
// replies and notifications captured from a real kernel decoded into the expected values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6 } from '../../../src/native/constants.ts';
import { decodeAttrs, decodeError, decodeMessages, encodeMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../../../src/netlink/message.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import {
  decodeAddr,
  decodeLink,
  encodeAddr,
  encodeGetAddrs,
  encodeGetLink,
  encodeGetLinks,
  encodeSetLinkUp,
  formatMac,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_PERMANENT,
  IFA_F_SECONDARY,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  linkIsUp,
  parseMac,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  rtEventsOf,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
} from '../../../src/netlink/rtnetlink.ts';
import { ip } from '../../../src/vrrp/addr.ts';
import { loadGolden } from './golden.ts';

const REQ = NLM_F_REQUEST | NLM_F_ACK;

/** The one message of an iproute2 capture, and its ifindex metadata. */
function iproute2(name: string): { msg: NlMessage; index: number; bytes: Buffer } {
  const g = loadGolden(name);
  const msgs = decodeMessages(g.bytes);
  assert.equal(msgs.length, 1);
  return { msg: msgs[0], index: Number(g.meta.ifindex), bytes: g.bytes };
}

/** Same header (bar seq/pid), same fixed part, same attribute set (iproute2's order varies with argv). */
function assertSameRequest(ours: Buffer, theirs: NlMessage, fixedLen: number): void {
  const [m] = decodeMessages(ours);
  assert.equal(m.type, theirs.type, 'type');
  assert.equal(m.flags, theirs.flags, 'flags');
  assert.equal(m.length, theirs.length, 'length');
  assert.equal(m.payload.subarray(0, fixedLen).toString('hex'), theirs.payload.subarray(0, fixedLen).toString('hex'), 'fixed header');
  const norm = (p: Buffer) => decodeAttrs(p.subarray(fixedLen)).map((a) => `${a.type}=${a.value.toString('hex')}`).sort();
  assert.deepEqual(norm(m.payload), norm(theirs.payload), 'attributes');
}

const wrap = (type: number, flags: number, payload: Buffer, seq = 1) => encodeMessage({ type, flags, seq, pid: 0 }, payload);

describe('rtnetlink requests match iproute2 and stay byte-identical', () => {
  it('IPv4 add with broadcast and label (ip addr add ... broadcast ... label ...)', () => {
    const { msg, index } = iproute2('ip-addr-add-v4.hex');
    const ours = wrap(RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_EXCL, encodeAddr({ index, address: ip('192.0.2.10'), prefixLen: 24, broadcast: ip('192.0.2.255'), label: 'kats0:vip' }), msg.seq);
    assertSameRequest(ours, msg, 8);
    assert.equal(
      ours.toString('hex'),
      '4000000014000506' + Buffer.from(ours.subarray(8, 12)).toString('hex') + '00000000' +
        '0218000003000000' + '08000200c000020a' + '08000100c000020a' + '08000400c00002ff' + '0e0003006b617473303a766970000000',
    );
  });

  it('IPv4 add with host scope, and delete', () => {
    const add = iproute2('ip-addr-add-v4-host.hex');
    const spec = { index: add.index, address: ip('198.51.100.7'), prefixLen: 32, scope: RT_SCOPE_HOST };
    assertSameRequest(wrap(RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_EXCL, encodeAddr(spec)), add.msg, 8);
    const del = iproute2('ip-addr-del-v4.hex');
    // `ip addr del` sends scope 0 unless told otherwise; the kernel matches on address and prefix.
    assertSameRequest(wrap(RTM_DELADDR, REQ, encodeAddr({ ...spec, scope: RT_SCOPE_UNIVERSE })), del.msg, 8);
  });

  it('IPv6 add with nodad (flag in the header byte)', () => {
    const { msg, index } = iproute2('ip-addr-add-v6-nodad.hex');
    const ours = wrap(RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_EXCL, encodeAddr({ index, address: ip('2001:db8::10'), prefixLen: 64, flags: IFA_F_NODAD }));
    assertSameRequest(ours, msg, 8);
    assert.equal(ours.subarray(16, 24).toString('hex'), '0a40020003000000');
  });

  it('IPv6 add with nodad noprefixroute (flags in IFA_FLAGS)', () => {
    const { msg, index } = iproute2('ip-addr-add-v6-noprefixroute.hex');
    const ours = wrap(RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_EXCL, encodeAddr({ index, address: ip('2001:db8::11'), prefixLen: 64, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE }));
    assertSameRequest(ours, msg, 8);
    assert.match(ours.toString('hex'), /0800080002020000/);
  });

  it('link down (ip link set DEV down)', () => {
    const { msg } = iproute2('ip-link-set-down.hex');
    const index = msg.payload.readInt32LE(4);
    assertSameRequest(wrap(RTM_NEWLINK, REQ, encodeSetLinkUp(index, false)), msg, 16);
    assert.equal(encodeSetLinkUp(7, true).toString('hex'), '00000000070000000100000001000000');
  });

  it('dump and get requests', () => {
    assert.equal(wrap(RTM_GETLINK, REQ | NLM_F_DUMP, encodeGetLinks(), 5).toString('hex'), '20000000120005030500000000000000' + '00'.repeat(16));
    assert.equal(encodeGetLink(3).toString('hex'), '00000000030000000000000000000000');
    assert.equal(encodeGetLink('eth0').toString('hex'), '00000000000000000000000000000000' + '090003006574683000000000');
    assert.equal(wrap(RTM_GETADDR, REQ | NLM_F_DUMP, encodeGetAddrs(AF_INET6), 9).toString('hex'), '180000001600050309000000000000000a00000000000000');
  });

  it('refuses bad input with RangeError before anything is sent', () => {
    assert.throws(() => encodeAddr({ index: 1, address: ip('10.0.0.1'), prefixLen: 33 }), RangeError);
    assert.throws(() => encodeAddr({ index: 0, address: ip('10.0.0.1'), prefixLen: 8 }), RangeError);
    assert.throws(() => encodeAddr({ index: 1, address: new Uint8Array(5), prefixLen: 8 }), RangeError);
    assert.throws(() => encodeAddr({ index: 1, address: ip('10.0.0.1'), prefixLen: 8, label: 'a-very-long-label-x' }), RangeError);
  });
});

describe('decoding real kernel replies', () => {
  it('a link dump: lo, and the veth pair with kind, MAC, MTU, flags', () => {
    const msgs = decodeMessages(loadGolden('kernel-getlink-dump.hex').bytes);
    const links = msgs.filter((m) => m.type === RTM_NEWLINK).map((m) => decodeLink(m));
    assert.ok(msgs.every((m) => m.flags & NLM_F_MULTI));
    assert.equal(msgs.at(-1)?.type, NLMSG_DONE);
    const lo = links.find((l) => l.name === 'lo');
    assert.equal(lo?.index, 1);
    assert.equal(lo?.type, 772);
    const k0 = links.find((l) => l.name === 'kats0');
    assert.ok(k0);
    assert.equal(k0.kind, 'veth');
    assert.equal(formatMac(k0.mac!), '02:6b:61:74:73:30');
    assert.equal(k0.mtu, 1500);
    assert.equal(k0.type, 1);
    // Up, but its peer kats1 was down at capture time: no carrier, so not usable.
    assert.ok(k0.flags & IFF_UP);
    assert.equal(k0.flags & IFF_RUNNING, 0);
    assert.equal(k0.operstate, 'lowerlayerdown');
    assert.equal(linkIsUp(k0), false);
    const k1 = links.find((l) => l.name === 'kats1');
    assert.equal(formatMac(k1!.mac!), '02:6b:61:74:73:31');
  });

  it('a single RTM_GETLINK reply followed by its ACK', () => {
    const msgs = decodeMessages(loadGolden('kernel-getlink-kats0.hex').bytes);
    assert.equal(msgs[0].type, RTM_NEWLINK);
    assert.equal(decodeLink(msgs[0]).name, 'kats0');
    assert.equal(msgs[1].type, NLMSG_ERROR);
    assert.equal(decodeError(msgs[1]).errno, 0);
  });

  it('an address dump with labels, scopes, broadcast and flags', () => {
    const g = loadGolden('kernel-getaddr-dump.hex');
    const index = Number(g.meta.ifindex);
    const addrs = decodeMessages(g.bytes).filter((m) => m.type === RTM_NEWADDR).map((m) => decodeAddr(m));
    const by = (t: string) => addrs.find((a) => a.text === t);
    const v4 = by('192.0.2.10');
    assert.ok(v4);
    assert.equal(v4.family, AF_INET);
    assert.equal(v4.index, index);
    assert.equal(v4.prefixLen, 24);
    assert.equal(v4.label, 'kats0:vip');
    assert.deepEqual(v4.broadcast, ip('192.0.2.255'));
    assert.equal(v4.scope, RT_SCOPE_UNIVERSE);
    assert.equal(v4.flags & IFA_F_PERMANENT, IFA_F_PERMANENT);
    assert.equal(v4.flags & IFA_F_SECONDARY, 0);
    assert.equal(by('198.51.100.7'), undefined, 'deleted before the dump');
    const v6 = by('2001:db8::10');
    assert.equal(v6?.family, AF_INET6);
    assert.equal(v6?.prefixLen, 64);
    assert.equal(v6!.flags & IFA_F_NODAD, IFA_F_NODAD);
    const v6b = by('2001:db8::11');
    assert.equal(v6b!.flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
    assert.equal(addrs.find((a) => a.text.startsWith('fe80:'))?.scope, RT_SCOPE_LINK);
    assert.equal(by('127.0.0.1')?.scope, RT_SCOPE_HOST);
  });

  it('errors: EEXIST, ENODEV, an extended ack message, and a bare ACK', () => {
    const err = (name: string) => {
      const [m] = decodeMessages(loadGolden(name).bytes);
      assert.equal(m.type, NLMSG_ERROR);
      return decodeError(m);
    };
    assert.equal(err('kernel-error-eexist.hex').errno, 17);
    assert.equal(err('kernel-error-enodev.hex').errno, 19);
    const ext = err('kernel-error-extack.hex');
    assert.equal(ext.errno, 22);
    assert.match(ext.extMessage ?? '', /prefix length/i);
    assert.deepEqual(err('kernel-ack.hex'), { errno: 0 });
  });
});

describe('notifications become typed events', () => {
  it('link down', () => {
    const up = new Map<number, boolean>();
    const msgs = decodeMessages(loadGolden('kernel-event-link-down.hex').bytes);
    // Seed as the monitor does from its first dump: both ends up.
    for (const m of msgs) if (m.type === RTM_NEWLINK) up.set(decodeLink(m).index, true);
    const events = msgs.flatMap((m) => rtEventsOf(m, up));
    const down = events.filter((e) => e.type === 'link-down').map((e) => (e.type === 'link-down' ? e.link.name : ''));
    assert.ok(down.includes('kats1'), `link-down for kats1 in ${JSON.stringify(down)}`);
    const k1 = events.find((e) => e.type === 'link-down' && e.link.name === 'kats1');
    assert.ok(k1 && k1.type === 'link-down' && (k1.link.flags & IFF_UP) === 0);
    assert.equal(events.filter((e) => e.type === 'bad-message').length, 0);
    assert.equal(events.filter((e) => e.type === 'link-up').length, 0);
  });

  it('IPv4 address added with a label, IPv6 address removed', () => {
    const up = new Map<number, boolean>();
    const added = decodeMessages(loadGolden('kernel-event-newaddr-v4.hex').bytes).flatMap((m) => rtEventsOf(m, up));
    const a = added.find((e) => e.type === 'address-added');
    assert.ok(a && a.type === 'address-added');
    assert.equal(a.address.text, '192.0.2.50');
    assert.equal(a.address.label, 'kats0:ev');
    const removed = decodeMessages(loadGolden('kernel-event-deladdr-v6.hex').bytes).flatMap((m) => rtEventsOf(m, up));
    const r = removed.find((e) => e.type === 'address-removed');
    assert.ok(r && r.type === 'address-removed');
    assert.equal(r.address.text, '2001:db8::10');
  });

  it('a flags change without IFF_RUNNING is down, with it up (keepalived semantics)', () => {
    assert.equal(linkIsUp({ flags: IFF_UP }), false);
    assert.equal(linkIsUp({ flags: IFF_UP | IFF_RUNNING | IFF_LOWER_UP }), true);
  });
});

describe('MAC text', () => {
  it('round-trips and rejects junk', () => {
    assert.equal(formatMac(parseMac('02:6B:61:74:73:30')), '02:6b:61:74:73:30');
    assert.throws(() => parseMac('02:6b:61:74:73'), RangeError);
    assert.throws(() => parseMac('zz:6b:61:74:73:30'), RangeError);
  });
});
