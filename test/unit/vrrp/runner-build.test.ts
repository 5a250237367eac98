// From the configuration model to what a runner needs (runtime-build.ts), and the start-up
// cleanup decision (vips/cleanup.ts), without a kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../../src/config/load.ts';
import { buildInstance, primaryAddress, type AddrView, type LinkView } from '../../../src/vrrp/runtime-build.ts';
import { formatIp, ip } from '../../../src/vrrp/addr.ts';
import { leftoverVips } from '../../../src/vips/cleanup.ts';
import { broadcastOf, KATS_ADDR_PROTO, type VipSpec } from '../../../src/vips/manager.ts';
import { sameJson } from '../../../src/vrrp/runtime.ts';
import type { Model } from '../../../src/config/model.ts';

const links: LinkView[] = [{ index: 2, name: 'eth0', up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1) }];
const addrs: AddrView[] = [
  { index: 2, family: 2, address: ip('10.0.0.5'), scope: 0, flags: 0x01 },
  { index: 2, family: 2, address: ip('10.0.0.1'), scope: 0, flags: 0 },
  { index: 2, family: 10, address: ip('fe80::1'), scope: 253, flags: 0 },
];

function model(text: string): Model {
  const dir = mkdtempSync(join(tmpdir(), 'kats-build-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, text);
    const r = loadConfig(f, { hostChecks: false });
    assert.ok(r.model, JSON.stringify(r.diagnostics));
    return r.model;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('build: the primary (non-secondary) IPv4 address and the IPv6 link-local are the advert sources', () => {
  assert.equal(formatIp(primaryAddress(4, 2, addrs)!), '10.0.0.1');
  assert.equal(formatIp(primaryAddress(6, 2, addrs)!), 'fe80::1');
  assert.equal(primaryAddress(4, 3, addrs), undefined);
});

test('build: an instance gets its binding, receive checks, VIPs with dev/label/scope/brd and v2 PASS auth', () => {
  const m = model(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 120
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass verylongpassword
  }
  virtual_ipaddress {
    10.0.0.100/24 brd + dev eth0 label eth0:1 scope link
  }
  virtual_ipaddress_excluded {
    10.0.1.1/32
  }
}
`);
  const b = buildInstance(m.vrrpInstances[0], m.globalDefs, links, addrs);
  assert.ok(typeof b !== 'string', String(b));
  assert.equal(b.setup.config.version, 2);
  assert.equal(b.setup.config.advertIntCs, 100);
  assert.equal(formatIp(b.setup.binding.src), '10.0.0.1');
  assert.equal(formatIp(b.setup.binding.group), '224.0.0.18');
  assert.equal(b.setup.authType, 1);
  assert.equal(b.setup.rx.authType, 1);
  assert.equal(b.setup.advertAddrs.length, 1, 'excluded VIPs are not advertised');
  assert.equal(b.setup.vips.length, 2, 'but they are configured');
  const v = b.setup.vips[0];
  assert.equal(v.label, 'eth0:1');
  assert.equal(v.scope, 253);
  assert.equal(formatIp(v.broadcast!), '10.0.0.255');
  assert.deepEqual(b.faults, []);
});

test('build: unicast peers become the destinations and the only accepted sources; a down interface is a fault', () => {
  const m = model(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  priority 100
  unicast_src_ip 10.0.0.5
  unicast_peer {
    10.0.0.6
  }
  virtual_ipaddress {
    10.0.0.100
  }
}
`);
  const b = buildInstance(m.vrrpInstances[0], m.globalDefs, [{ ...links[0], up: false }], addrs);
  assert.ok(typeof b !== 'string');
  assert.equal(formatIp(b.setup.binding.src), '10.0.0.5');
  assert.deepEqual(b.setup.binding.unicastPeers?.map(formatIp), ['10.0.0.6']);
  assert.equal(b.setup.rx.unicast, true);
  assert.deepEqual(b.setup.rx.unicastPeers?.map(formatIp), ['10.0.0.6']);
  assert.deepEqual(b.faults, ['if:eth0']);
});

test('build: a missing interface is reported, not thrown', () => {
  const m = model('vrrp_instance VI_1 {\n interface eth9\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
  assert.match(String(buildInstance(m.vrrpInstances[0], m.globalDefs, links, addrs)), /interface eth9 does not exist/);
});

test('cleanup: our marked leftovers and non-owner VIPs are removed; an unmarked owner address stays', () => {
  const vip = (a: string): VipSpec => ({ family: 4, address: ip(a), prefix: 32, ifindex: 2, ifname: 'eth0', scope: 0, text: a });
  const present = [
    { index: 2, address: ip('10.0.0.100'), prefixLen: 24, proto: KATS_ADDR_PROTO },
    { index: 2, address: ip('10.0.0.101'), prefixLen: 32, proto: 0 },
    { index: 2, address: ip('10.0.0.1'), prefixLen: 24, proto: 0 },
  ];
  const out = leftoverVips(
    [
      { vip: vip('10.0.0.100'), owner: true },
      { vip: vip('10.0.0.101'), owner: false },
      { vip: vip('10.0.0.1'), owner: true },
      { vip: vip('10.0.0.102'), owner: false },
    ],
    present,
  );
  assert.deepEqual(out.map((v) => `${formatIp(v.address)}/${v.prefix}`), ['10.0.0.100/24', '10.0.0.101/32']);
});

test('VIP brd +: the all-ones host part of the prefix', () => {
  assert.equal(formatIp(broadcastOf(ip('192.168.7.9'), 20)), '192.168.15.255');
});

test('reload matching ignores where a setting was written, not what it says', () => {
  assert.ok(sameJson({ a: 1, file: 'x', line: 3 }, { a: 1, file: 'y', line: 9 }));
  assert.ok(!sameJson({ a: 1 }, { a: 2 }));
});
