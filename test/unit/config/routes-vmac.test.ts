// virtual_routes / virtual_rules lines, use_vmac and no_accept through the real parser into the
// model: every option lands in its typed field, anything we cannot do is an error at its own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, instance, lines, load } from './helpers.ts';
import { vmacOf } from '../../../src/config/rules-vrrp.ts';

const block = (kw: string, ...body: string[]) => `  ${kw} {\n${body.map((b) => `    ${b}`).join('\n')}\n  }`;

test('virtual_routes: every supported option in the typed model, the text form kept for check-config', () => {
  const r = load(instance(block(
    'virtual_routes',
    'src 192.0.2.1 to 10.1.0.0/24 via 192.0.2.254 dev eth1 table 100 metric 5 scope link',
    'blackhole 10.2.0.0/16 table main',
    'default gw 192.0.2.254 table 1000 no_track',
    'unreachable 2001:db8:9::/48 priority 7',
    '10.3.0.0/24 dev eth0',
  )));
  assert.deepEqual(lines(r.diagnostics, 'error'), []);
  const i = r.model!.vrrpInstances[0];
  const strip = <T extends { file: string; line: number }>(x: T) => {
    const { file: _f, line: _l, ...rest } = x;
    return rest;
  };
  assert.deepEqual(i.routes.map(strip), [
    { family: 4, type: 'unicast', dst: '10.1.0.0', dstLen: 24, src: '192.0.2.1', via: '192.0.2.254', dev: 'eth1', table: 100, metric: 5, scope: 'link', noTrack: false },
    { family: 4, type: 'blackhole', dst: '10.2.0.0', dstLen: 16, table: 254, noTrack: false },
    { family: 4, type: 'unicast', dst: '0.0.0.0', dstLen: 0, via: '192.0.2.254', table: 1000, noTrack: true },
    { family: 6, type: 'unreachable', dst: '2001:db8:9::', dstLen: 48, metric: 7, noTrack: false },
    { family: 4, type: 'unicast', dst: '10.3.0.0', dstLen: 24, dev: 'eth0', noTrack: false },
  ]);
  assert.deepEqual(i.routes.map((x) => x.line), [5, 6, 7, 8, 9]);
  assert.equal(i.routes[0].file, FILE);
  assert.deepEqual(i.virtualRoutes[1], ['blackhole', '10.2.0.0/16', 'table', 'main']);
});

test('virtual_rules: from/to/table/priority/iif/oif/fwmark and the table-less actions', () => {
  const r = load(instance(block(
    'virtual_rules',
    'from 10.0.0.0/24 to 10.9.0.0/16 table 100 priority 1000 iif eth0 oif eth1',
    'to all fwmark 0x10/0xff lookup 1000 preference 1001',
    'from 10.62.0.0/24 blackhole pref 1002 no_track',
    'from 2001:db8::/32 table 5',
  )));
  assert.deepEqual(lines(r.diagnostics, 'error'), []);
  const rules = r.model!.vrrpInstances[0].rules.map(({ file: _f, line: _l, ...x }) => x);
  assert.deepEqual(rules, [
    { family: 4, action: 'table', noTrack: false, from: { address: '10.0.0.0', prefix: 24 }, to: { address: '10.9.0.0', prefix: 16 }, table: 100, priority: 1000, iif: 'eth0', oif: 'eth1' },
    { family: 4, action: 'table', noTrack: false, fwmark: 16, fwmask: 255, table: 1000, priority: 1001 },
    { family: 4, action: 'blackhole', noTrack: true, from: { address: '10.62.0.0', prefix: 24 }, priority: 1002 },
    { family: 6, action: 'table', noTrack: false, from: { address: '2001:db8::', prefix: 32 }, table: 5 },
  ]);
});

test('what we cannot do is an error at its own line, never dropped', () => {
  const r = load(instance(block(
    'virtual_routes',
    '10.1.0.0/24 via 192.0.2.254 or 192.0.2.253',
    '10.2.0.0/24 mtu 1400 dev eth0',
    '10.3.0.0/24',
    'blackhole 10.4.0.0/24 via 192.0.2.1',
    '10.5.0.0/24 via 2001:db8::1',
    '10.6.0.0/33 dev eth0',
  ) + '\n' + block('virtual_rules', 'from 10.0.0.0/8', 'from 10.0.0.0/8 table 5 not', 'from 10.0.0.0/8 to 2001:db8::/32 table 5', 'from 10.0.0.0/8 blackhole table 5')));
  assert.equal(r.model, null);
  assert.deepEqual(lines(r.diagnostics, 'error'), [
    `${FILE}:5: virtual route '10.1.0.0/24 via 192.0.2.254 or 192.0.2.253': 'or' is not supported yet (or not a route option)`,
    `${FILE}:6: virtual route '10.2.0.0/24 mtu 1400 dev eth0': 'mtu' is not supported yet (or not a route option)`,
    `${FILE}:7: virtual route '10.3.0.0/24': a unicast route needs via or dev`,
    `${FILE}:8: virtual route 'blackhole 10.4.0.0/24 via 192.0.2.1': a blackhole route has no next hop`,
    `${FILE}:9: virtual route '10.5.0.0/24 via 2001:db8::1': addresses of different families`,
    `${FILE}:10: virtual route '10.6.0.0/33 dev eth0': invalid destination prefix '10.6.0.0/33'`,
    `${FILE}:13: virtual rule 'from 10.0.0.0/8': no table (or blackhole/unreachable/prohibit/nop) given`,
    `${FILE}:14: virtual rule 'from 10.0.0.0/8 table 5 not': 'not' is not supported yet (or not a rule option)`,
    `${FILE}:15: virtual rule 'from 10.0.0.0/8 to 2001:db8::/32 table 5': from and to of different families`,
    `${FILE}:16: virtual rule 'from 10.0.0.0/8 blackhole table 5': a blackhole rule has no table`,
  ]);
});

test('use_vmac: default name vrrp.VRID, a name and a MAC in either order; bad names refused at the line', () => {
  assert.deepEqual(load(instance('  use_vmac')).model!.vrrpInstances[0].vmac, { name: 'vrrp.1' });
  assert.deepEqual(load(instance('  use_vmac vip51 00:00:5E:00:01:01')).model!.vrrpInstances[0].vmac, { name: 'vip51', mac: '00:00:5e:00:01:01' });
  assert.deepEqual(vmacOf(['02:00:00:00:00:01', 'v1'], 7), { name: 'v1', mac: '02:00:00:00:00:01' });
  assert.equal(load(instance()).model!.vrrpInstances[0].vmac, undefined);
  const bad = load(instance('  use_vmac a-name-much-too-long'));
  assert.deepEqual(lines(bad.diagnostics, 'error'), [`${FILE}:4: (VI_1) use_vmac: invalid interface name 'a-name-much-too-long'`]);
  assert.match(String(vmacOf(['a', 'b'], 1)), /'b' is not supported yet/);
  // vmac_xmit_base is kept with use_vmac and cleared (with keepalived's warning) without it.
  assert.equal(load(instance('  use_vmac\n  vmac_xmit_base')).model!.vrrpInstances[0].vmacXmitBase, true);
  const alone = load(instance('  vmac_xmit_base'));
  assert.equal(alone.model!.vrrpInstances[0].vmacXmitBase, false);
  assert.deepEqual(lines(alone.diagnostics), [`${FILE}:4: warning: (VI_1) vmac_xmit_base is only valid with a vmac - clearing`]);
});

test('no_accept is recorded and warned about once at its line (we install no packet filter); accept is silent', () => {
  const r = load(instance('  no_accept'));
  const i = r.model!.vrrpInstances[0];
  assert.deepEqual([i.accept, i.noAccept], [false, true]);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:4: warning: (VI_1) no_accept: keepalived-ts installs no iptables/nftables rules, traffic to the VIPs is accepted while MASTER`]);
  const a = load(instance('  accept'));
  assert.equal(a.model!.vrrpInstances[0].accept, true);
  assert.deepEqual(lines(a.diagnostics), []);
});

test('static_routes / static_rules use the same syntax and land in the model; errors at their line', () => {
  const r = load(`static_routes {\n  10.70.0.0/24 via 10.99.0.9 table 200\n}\nstatic_rules {\n  from 10.71.0.0/24 table 200 priority 2000\n}\n${instance()}`);
  assert.deepEqual(lines(r.diagnostics, 'error'), []);
  assert.deepEqual(r.model!.staticRouteList?.map((x) => [x.dst, x.dstLen, x.via, x.table, x.line]), [['10.70.0.0', 24, '10.99.0.9', 200, 2]]);
  assert.deepEqual(r.model!.staticRuleList?.map((x) => [x.from?.address, x.table, x.priority, x.line]), [['10.71.0.0', 200, 2000, 5]]);
  const bad = load(`static_routes {\n  10.70.0.0/24 nexthop via 10.99.0.9\n}\n${instance()}`);
  assert.deepEqual(lines(bad.diagnostics, 'error'), [`${FILE}:2: static route '10.70.0.0/24 nexthop via 10.99.0.9': 'nexthop' is not supported yet (or not a route option)`]);
});
