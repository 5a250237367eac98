// The pure parts of virtual routes/rules and VMACs: configured lines resolved against interfaces
// into the exact rtnetlink requests, the leftover choice at start-up, the VRRP virtual MAC, what to
// do with an existing link of the VMAC's name, and the instance binding with use_vmac.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instance, load } from '../config/helpers.ts';
import { AF_INET, AF_INET6 } from '../../../src/native/constants.ts';
import { encodeRoute, RTN_BLACKHOLE, type RouteInfo } from '../../../src/netlink/route-route.ts';
import { encodeRule, FR_ACT_TO_TBL, FR_ACT_PROHIBIT, type RuleInfo } from '../../../src/netlink/route-rule.ts';
import { formatMac } from '../../../src/netlink/route-link.ts';
import { KATS_ROUTE_PROTO, leftoverRoutes, leftoverRules, resolveRoute, resolveRule } from '../../../src/vips/routes.ts';
import { vmacVerdict, vrrpMac } from '../../../src/vips/vmac.ts';
import { buildInstance, type AddrView, type LinkView } from '../../../src/vrrp/runtime-build.ts';
import { formatIp, ip } from '../../../src/vrrp/addr.ts';

const block = (kw: string, ...body: string[]) => `  ${kw} {\n${body.map((b) => `    ${b}`).join('\n')}\n  }`;
const ifindexOf = (n: string) => ({ eth0: 2, eth1: 3 })[n];

test('routes resolve to what ip route would send, marked with our protocol', () => {
  const i = load(instance(block('virtual_routes', '10.1.0.0/24 via 192.0.2.254 dev eth0 table 100 metric 5', 'blackhole 10.3.0.0/24 table 100', '2001:db8:1::/48 via fe80::1 dev eth1 table 100 metric 7', '10.9.0.0/24 dev eth9'))).model!.vrrpInstances[0];
  const [a, b, c, missing] = i.routes.map((r) => resolveRoute(r, ifindexOf));
  assert.ok(typeof a !== 'string' && typeof b !== 'string' && typeof c !== 'string');
  // Same bytes as the spec written by hand (whose bytes test/unit/netlink pins to iproute2's).
  assert.equal(encodeRoute(a.spec).toString('hex'), encodeRoute({ family: AF_INET, dst: ip('10.1.0.0'), dstLen: 24, gateway: ip('192.0.2.254'), oif: 2, table: 100, metric: 5, protocol: 112 }).toString('hex'));
  assert.equal(a.text, '10.1.0.0/24 via 192.0.2.254 dev eth0 table 100 metric 5');
  assert.deepEqual([b.spec.type, b.spec.protocol, b.text], [RTN_BLACKHOLE, KATS_ROUTE_PROTO, 'blackhole 10.3.0.0/24 table 100']);
  assert.deepEqual([c.spec.family, c.spec.oif, formatIp(c.spec.gateway!)], [AF_INET6, 3, 'fe80::1']);
  assert.equal(missing, 'route 10.9.0.0/24: interface eth9 does not exist');
});

test('rules resolve with our protocol; table-less actions carry their FR_ACT', () => {
  const i = load(instance(block('virtual_rules', 'from 10.0.0.0/24 to 10.9.0.0/16 table 100 priority 1000 iif eth0 oif lo', 'from 10.5.0.0/16 prohibit priority 5'))).model!.vrrpInstances[0];
  const [a, b] = i.rules.map(resolveRule);
  assert.ok(typeof a !== 'string' && typeof b !== 'string');
  assert.equal(
    encodeRule(a.spec).toString('hex'),
    encodeRule({ family: AF_INET, src: { addr: ip('10.0.0.0'), len: 24 }, dst: { addr: ip('10.9.0.0'), len: 16 }, table: 100, priority: 1000, iifname: 'eth0', oifname: 'lo', protocol: 112 }).toString('hex'),
  );
  assert.equal(a.text, '1000: from 10.0.0.0/24 to 10.9.0.0/16 iif eth0 oif lo lookup 100');
  assert.deepEqual([b.spec.action, b.spec.table, b.text], [FR_ACT_PROHIBIT, undefined, '5: from 10.5.0.0/16 prohibit']);
});

test('leftovers: only routes and rules with our protocol marker are removed at start', () => {
  const route = (protocol: number, dst: string): RouteInfo => ({ family: AF_INET, dstLen: 24, srcLen: 0, tos: 0, table: 100, protocol, scope: 0, type: 1, flags: 0, dst: ip(dst), gateway: ip('10.0.0.1'), oif: 2 });
  const gone = leftoverRoutes([route(KATS_ROUTE_PROTO, '10.1.0.0'), route(18 /* keepalived's */, '10.2.0.0'), route(2 /* kernel */, '10.0.0.0')]);
  assert.deepEqual(gone.map((g) => g.text), ['10.1.0.0/24 via 10.0.0.1 table 100']);
  assert.equal(gone[0].spec.protocol, KATS_ROUTE_PROTO, 'the delete names our protocol, so it can only hit ours');
  const rule = (protocol: number, priority: number): RuleInfo => ({ family: AF_INET, dstLen: 0, srcLen: 16, table: 100, action: FR_ACT_TO_TBL, flags: 0, src: ip('10.5.0.0'), priority, protocol });
  assert.deepEqual(leftoverRules([rule(KATS_ROUTE_PROTO, 100), rule(0, 32766), rule(4, 200)]).map((r) => r.text), ['100: from 10.5.0.0/16 lookup 100']);
});

test('the VRRP virtual MAC is 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID (IPv6)', () => {
  assert.equal(formatMac(vrrpMac(51, 4)), '00:00:5e:00:01:33');
  assert.equal(formatMac(vrrpMac(255, 6)), '00:00:5e:00:02:ff');
  assert.throws(() => vrrpMac(0, 4), RangeError);
});

test('an existing link of the VMAC name is reused only when it is our kind of VMAC', () => {
  const w = { name: 'vrrp.51', baseIndex: 2, baseName: 'eth0', mac: vrrpMac(51, 4), ipv4: true };
  const l = { index: 9, name: 'vrrp.51', type: 1, flags: 0, operstate: 'up' as const, kind: 'macvlan', mac: vrrpMac(51, 4), lower: 2 };
  assert.equal(vmacVerdict(undefined, w), 'create');
  assert.equal(vmacVerdict(l, w), 'reuse');
  assert.match(vmacVerdict({ ...l, kind: 'veth' }, w), /not a macvlan/);
  assert.match(vmacVerdict({ ...l, lower: 3 }, w), /on another interface than eth0/);
  assert.match(vmacVerdict({ ...l, mac: vrrpMac(52, 4) }, w), /with MAC 00:00:5e:00:01:34, not 00:00:5e:00:01:33/);
});

test('use_vmac binding: VIPs and adverts on the VMAC, the source address from the base; xmit_base keeps adverts on the base', () => {
  const links: LinkView[] = [
    { index: 2, name: 'eth0', up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1) },
    { index: 7, name: 'vrrp.51', up: true, mac: vrrpMac(51, 4) },
  ];
  const addrs: AddrView[] = [
    { index: 2, family: 2, address: ip('10.0.0.1'), scope: 0, flags: 0 },
    { index: 7, family: 2, address: ip('10.0.0.100'), scope: 0, flags: 0 }, // the VIP while MASTER
  ];
  const m = load(instance('  use_vmac', '10.0.0.100/24')).model!;
  const i = m.vrrpInstances[0];
  const b = buildInstance(i, m.globalDefs, links, addrs, { vmac: { name: 'vrrp.51', xmitBase: false } });
  assert.ok(typeof b !== 'string', String(b));
  assert.deepEqual([b.setup.binding.ifname, b.setup.binding.ifindex, formatIp(b.setup.binding.src), b.srcIfindex], ['vrrp.51', 7, '10.0.0.1', 2]);
  assert.deepEqual(b.setup.vips.map((v) => [v.ifname, v.ifindex]), [['vrrp.51', 7]]);
  const base = buildInstance(i, m.globalDefs, links, addrs, { vmac: { name: 'vrrp.51', xmitBase: true } });
  assert.ok(typeof base !== 'string');
  assert.deepEqual([base.setup.binding.ifname, base.setup.vips[0].ifname], ['eth0', 'vrrp.51']);
  // A VMAC that is down faults the instance under its own name (its link events clear it).
  const down = buildInstance(i, m.globalDefs, [links[0], { ...links[1], up: false }], addrs, { vmac: { name: 'vrrp.51', xmitBase: false } });
  assert.ok(typeof down !== 'string');
  assert.deepEqual(down.faults, ['if:vrrp.51']);
  assert.match(String(buildInstance(i, m.globalDefs, [links[0]], addrs, { vmac: { name: 'vrrp.51', xmitBase: false } })), /VMAC interface vrrp\.51 does not exist/);
});
