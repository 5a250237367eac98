// rtnetlink against this host's kernel, inside namespaces made for the test: links, address
// add/delete for IPv4 and IPv6 (labels, scopes, broadcast, flags) cross-checked with `ip -j`,
// errors as typed codes, and the live event stream for link down/up and address changes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, NETLINK_ROUTE } from '../../src/native/constants.ts';
import { NetlinkSocket } from '../../src/netlink/socket.ts';
import { NetlinkError } from '../../src/netlink/errors.ts';
import {
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFF_UP,
  formatMac,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RtMonitor,
  Rtnetlink,
} from '../../src/netlink/rtnetlink.ts';
import type { RtEvent } from '../../src/netlink/rtnetlink.ts';
import { ip as ipBytes } from '../../src/vrrp/addr.ts';
import { ip, NetnsLab, netnsBlocker, nextEvent, waitFor } from '../lib/netns.ts';

const blocker = netnsBlocker();

describe('rtnetlink in a namespace', { skip: blocker ?? false }, () => {
  const lab = new NetnsLab('rt');
  let ns = '';
  let peer = '';
  let dev = '';
  let index = 0;
  let rt: Rtnetlink;

  before(() => {
    ns = lab.ns('a');
    peer = lab.ns('b');
    dev = lab.ifname('v');
    lab.veth(ns, dev, peer, lab.ifname('w'));
    index = lab.ifindex(ns, dev);
    rt = Rtnetlink.open({ netns: ns });
  });
  after(() => {
    rt?.close();
    lab.cleanup();
  });

  it('lists links with index, name, flags, operstate, MAC, MTU and kind like ip -j link', async () => {
    const links = await rt.links();
    const ours = links.find((l) => l.name === dev);
    assert.ok(ours, `link ${dev} listed`);
    const j = lab.link(ns, dev);
    assert.equal(ours.index, j.ifindex);
    assert.equal(ours.kind, 'veth');
    assert.equal(formatMac(ours.mac!), j.address);
    assert.equal(ours.mtu, 1500);
    assert.ok(ours.flags & IFF_UP);
    assert.equal(ours.operstate, j.operstate.toLowerCase());
    const lo = links.find((l) => l.name === 'lo');
    assert.equal(lo?.index, 1);
    assert.deepEqual(await rt.link(dev), ours);
    assert.deepEqual(await rt.link(index), ours);
  });

  it('an unknown link is ENODEV', async () => {
    await assert.rejects(rt.link('kats-nosuchdev'), (e: NetlinkError) => e instanceof NetlinkError && e.code === 'ENODEV');
  });

  it('adds and deletes an IPv4 address with label, broadcast and scope; ip -j sees it', async () => {
    const spec = { index, address: ipBytes('192.0.2.10'), prefixLen: 24, label: `${dev}:vip`, broadcast: ipBytes('192.0.2.255') };
    await rt.addAddress(spec);
    let seen = lab.addrs(ns, dev).find((a) => a.local === '192.0.2.10');
    assert.ok(seen, 'ip -j addr shows the address');
    assert.equal(seen.prefixlen, 24);
    assert.equal(seen.label, `${dev}:vip`);
    assert.equal(seen.broadcast, '192.0.2.255');
    assert.equal(seen.scope, 'global');
    const ours = (await rt.addresses({ family: AF_INET, index })).find((a) => a.text === '192.0.2.10');
    assert.equal(ours?.label, `${dev}:vip`);
    assert.equal(ours?.prefixLen, 24);

    // A second one in the same subnet becomes secondary; host scope on another.
    await rt.addAddress({ index, address: ipBytes('192.0.2.11'), prefixLen: 24 });
    await rt.addAddress({ index, address: ipBytes('198.51.100.7'), prefixLen: 32, scope: RT_SCOPE_HOST });
    seen = lab.addrs(ns, dev).find((a) => a.local === '192.0.2.11');
    assert.equal(seen?.secondary, true);
    assert.equal(lab.addrs(ns, dev).find((a) => a.local === '198.51.100.7')?.scope, 'host');

    await assert.rejects(rt.addAddress(spec), (e: NetlinkError) => e.code === 'EEXIST');
    await rt.addAddress({ ...spec, label: `${dev}:x` }, { replace: true });

    await rt.deleteAddress({ index, address: ipBytes('192.0.2.11'), prefixLen: 24 });
    await rt.deleteAddress({ index, address: ipBytes('198.51.100.7'), prefixLen: 32 });
    await rt.deleteAddress(spec);
    const left = lab.addrs(ns, dev).filter((a) => a.family === 'inet');
    assert.deepEqual(left, []);
    await assert.rejects(rt.deleteAddress(spec), (e: NetlinkError) => e.code === 'EADDRNOTAVAIL');
  });

  it('adds IPv6 addresses with nodad, noprefixroute and link scope; deletes them', async () => {
    await rt.addAddress({ index, address: ipBytes('2001:db8::10'), prefixLen: 64, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE });
    await rt.addAddress({ index, address: ipBytes('fe80::10'), prefixLen: 64, scope: RT_SCOPE_LINK, flags: IFA_F_NODAD });
    const seen = lab.addrs(ns, dev);
    const g = seen.find((a) => a.local === '2001:db8::10');
    assert.ok(g);
    assert.equal(g.prefixlen, 64);
    assert.equal(g.nodad, true);
    assert.equal(g.noprefixroute, true);
    assert.equal(seen.find((a) => a.local === 'fe80::10')?.scope, 'link');
    // noprefixroute: no 2001:db8::/64 route was added.
    assert.doesNotMatch(ip(ns, '-6', 'route', 'show', 'dev', dev), /2001:db8::\/64/);

    const ours = (await rt.addresses({ family: AF_INET6, index })).find((a) => a.text === '2001:db8::10');
    assert.ok(ours);
    assert.equal(ours.flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);

    await rt.deleteAddress({ index, address: ipBytes('2001:db8::10'), prefixLen: 64 });
    await rt.deleteAddress({ index, address: ipBytes('fe80::10'), prefixLen: 64 });
    assert.equal(lab.addrs(ns, dev).some((a) => a.local === '2001:db8::10' || a.local === 'fe80::10'), false);
    await assert.rejects(rt.deleteAddress({ index, address: ipBytes('2001:db8::10'), prefixLen: 64 }), (e: NetlinkError) => e.code === 'EADDRNOTAVAIL');
  });

  it('pipelines many address operations in one batch, one result each', async () => {
    const sock = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns });
    try {
      const addrs = Array.from({ length: 300 }, (_, i) => ipBytes(`10.${(i >> 8) & 255}.${i & 255}.1`));
      const { encodeAddr, RTM_NEWADDR, RTM_DELADDR } = await import('../../src/netlink/route-addr.ts');
      const { NLM_F_CREATE, NLM_F_EXCL } = await import('../../src/netlink/message.ts');
      const adds = addrs.map((a) => ({ type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL, payload: encodeAddr({ index, address: a, prefixLen: 32 }) }));
      // The 301st duplicates the first: it fails alone, the rest succeed.
      const res = await sock.requestMany([...adds, adds[0]]);
      assert.equal(res.length, 301);
      assert.equal(res.slice(0, 300).every((r) => r.ok), true);
      const last = res[300];
      assert.equal(last.ok, false);
      assert.equal(!last.ok && (last.error as NetlinkError).code, 'EEXIST');
      assert.equal(lab.addrs(ns, dev).filter((a) => a.family === 'inet').length, 300);
      const dels = await sock.requestMany(addrs.map((a) => ({ type: RTM_DELADDR, flags: 0, payload: encodeAddr({ index, address: a, prefixLen: 32 }) })));
      assert.equal(dels.every((r) => r.ok), true);
      assert.equal(lab.addrs(ns, dev).filter((a) => a.family === 'inet').length, 0);
    } finally {
      sock.close();
    }
  });

  it('a dump and requests issued together all complete, in order', async () => {
    const [links, addrs, lo] = await Promise.all([rt.links(), rt.addresses(), rt.link('lo')]);
    assert.ok(links.length >= 2);
    assert.ok(addrs.some((a) => a.text === '127.0.0.1'));
    assert.equal(lo.index, 1);
  });

  it('one socket both subscribed and requesting: the notification carrying our seq is not taken for the reply', async () => {
    const sock = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns, groups: [5] });
    const both = new Rtnetlink(sock);
    try {
      const got = nextEvent<{ seq: number; type: number }>(
        'our own RTM_NEWADDR notification',
        (cb) => sock.onMulticast((m) => cb(m)),
        (m) => m.type === 20,
      );
      await both.addAddress({ index, address: ipBytes('192.0.2.77'), prefixLen: 32 });
      const note = await got;
      assert.notEqual(note.seq, 0, 'the kernel copies the request seq into the notification');
      await both.deleteAddress({ index, address: ipBytes('192.0.2.77'), prefixLen: 32 });
    } finally {
      sock.close();
    }
  });

  it('streams link down/up and address add/remove events', async () => {
    const mon = await RtMonitor.start({ netns: ns });
    const events: RtEvent[] = [];
    mon.on((e) => events.push(e));
    try {
      assert.equal(mon.isUp(index), true);
      const sub = (cb: (e: RtEvent) => void) => mon.on(cb);
      let next = nextEvent('link-down', sub, (e) => e.type === 'link-down' && e.link.index === index);
      ip(ns, 'link', 'set', dev, 'down');
      await next;
      assert.equal(mon.isUp(index), false);
      next = nextEvent('link-up', sub, (e) => e.type === 'link-up' && e.link.index === index);
      ip(ns, 'link', 'set', dev, 'up');
      await next;

      next = nextEvent('address-added', sub, (e) => e.type === 'address-added' && e.address.text === '203.0.113.5');
      await rt.addAddress({ index, address: ipBytes('203.0.113.5'), prefixLen: 32, label: `${dev}:e` });
      const added = await next;
      assert.equal(added.type === 'address-added' && added.address.label, `${dev}:e`);
      next = nextEvent('address-removed', sub, (e) => e.type === 'address-removed' && e.address.text === '203.0.113.5');
      ip(ns, 'addr', 'del', '203.0.113.5/32', 'dev', dev);
      await next;

      next = nextEvent('ipv6 address-added', sub, (e) => e.type === 'address-added' && e.address.text === '2001:db8::77');
      ip(ns, 'addr', 'add', '2001:db8::77/128', 'dev', dev, 'nodad');
      const a6 = await next;
      assert.equal(a6.type === 'address-added' && a6.address.family, AF_INET6);

      // Link down via our own request, not ip(8).
      next = nextEvent('link-down by request', sub, (e) => e.type === 'link-down' && e.link.index === index);
      await rt.setLinkUp(index, false);
      await next;
      await rt.setLinkUp(index, true);
      await waitFor('link up again', () => mon.isUp(index));
      assert.equal(events.filter((e) => e.type === 'bad-message').length, 0);
    } finally {
      mon.close();
    }
  });
});
