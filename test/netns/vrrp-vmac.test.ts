// use_vmac with two keepalived-ts routers and a client on a bridge: each router makes a private
// macvlan vrrp.51 with the VRRP virtual MAC 00:00:5e:00:01:33 (RFC 5798 §7.3, VRID 51); the master
// holds the VIP on it and sends its adverts from it; the client's ARP entry for the VIP is the
// virtual MAC, and stays the same MAC across a failover; a stopped router deletes its VMAC.
// Checked with iproute2 (`ip -d link`, `ip neigh`) and ping from the client.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Lab, ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, sh, waitFor, type Daemon, type Keepalived } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const VMAC = '00:00:5e:00:01:33';
const START_MS = 8000;
const FAILOVER_MS = mdiMs(0.1, 50) + 5000;

const lab = new Lab('katsvm');
const daemons = new Map<string, Daemon>();

function startRouter(name: string, priority: number, extra: string[] = ['use_vmac']): Daemon {
  const d = lab.start(name, conf(instanceBlock({ priority, vrid: 51, vips: [`${VIP}/24`], extra })));
  daemons.set(name, d);
  return d;
}

interface JLink { ifname: string; address?: string; link?: string; operstate?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } }; stats64?: { tx?: { packets: number } } }

function link(host: string, dev: string, l: Lab = lab): JLink | undefined {
  const out = sh('ip', ['-n', l.host(host).ns, '-j', '-d', '-s', 'link', 'show', 'dev', dev], { allowFail: true });
  try {
    return (JSON.parse(out || '[]') as JLink[])[0];
  } catch {
    return undefined;
  }
}

function sysctl(host: string, dev: string, key: string): string {
  return sh('ip', ['netns', 'exec', lab.host(host).ns, 'cat', `/proc/sys/net/ipv4/conf/${dev}/${key}`], { allowFail: true }).trim();
}

function dumpAll(): string {
  const links = ['r1', 'r2'].map((h) => `--- ${h} ---\n${sh('ip', ['-n', lab.host(h).ns, '-d', 'addr'], { allowFail: true })}`);
  return [...links, lab.dumpAll()].join('\n');
}

describe('use_vmac: the VIP lives on a macvlan with the virtual MAC (2 routers + client)', () => {
  labSuite(lab, ROUTERS_AND_CLIENT);

  test('both routers make vrrp.51 (macvlan private, virtual MAC); the master holds the VIP there', async () => {
    startRouter('r2', 100);
    startRouter('r1', 150);
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP, 'vrrp.51'), START_MS), `r1 should hold the VIP on vrrp.51\n${dumpAll()}`);
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering BACKUP STATE/, 2000), dumpAll());
    for (const h of ['r1', 'r2']) {
      const l = link(h, 'vrrp.51');
      assert.equal(l?.address, VMAC, `${h}: MAC`);
      assert.equal(l?.link, 'eth0', `${h}: lower device`);
      assert.equal(l?.linkinfo?.info_kind, 'macvlan', `${h}: kind`);
      assert.equal(l?.linkinfo?.info_data?.mode, 'private', `${h}: mode`);
      // keepalived's sysctls: the VMAC answers ARP only for its own addresses and hears the peer.
      assert.deepEqual(['arp_ignore', 'accept_local', 'rp_filter'].map((k) => sysctl(h, 'vrrp.51', k)), ['1', '1', '0'], `${h}: VMAC sysctls`);
      assert.deepEqual(['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl(h, 'eth0', k)), ['1', '1', '2'], `${h}: base sysctls`);
      assert.equal(sh('ip', ['netns', 'exec', lab.host(h).ns, 'cat', '/proc/sys/net/ipv6/conf/vrrp.51/disable_ipv6']).trim(), '1', `${h}: no IPv6 on an IPv4 VMAC`);
    }
    assert.ok(!lab.hasVip('r1', VIP, 'eth0'), 'the VIP is not on the base interface');
    assert.deepEqual(lab.holders(VIP, ['r2']), [], 'the backup holds nothing on eth0');
    // Started together, both may time out within the same few ms and be master for a moment (a
    // legal race): r2 then yields to r1's advert and lets go once r1's GARP is on the wire.
    assert.ok(await waitFor(() => !lab.hasVip('r2', VIP, 'vrrp.51'), 2000), `nor on its VMAC\n${dumpAll()}`);
  });

  test("the client's ARP entry for the VIP is the virtual MAC, and the VIP answers", async () => {
    assert.ok(lab.ping('c', VIP, 2), `client reaches the VIP\n${dumpAll()}`);
    assert.equal(lab.neigh('c', VIP)?.lladdr, VMAC);
  });

  test('adverts leave from the VMAC (its tx counter grows), and the backup hears them through its own VMAC', async () => {
    const masters = daemons.get('r2')!.count(/\(VI_1\) Entering MASTER STATE/);
    const before = link('r1', 'vrrp.51')?.stats64?.tx?.packets ?? 0;
    assert.ok(await waitFor(() => (link('r1', 'vrrp.51')?.stats64?.tx?.packets ?? 0) >= before + 5, 3000), dumpAll());
    // Still exactly one master after many adverts: r2 receives them.
    assert.ok(!lab.hasVip('r2', VIP, 'vrrp.51'));
    assert.equal(daemons.get('r2')!.count(/\(VI_1\) Entering MASTER STATE/), masters, dumpAll());
  });

  test("failover: the new master holds the VIP on its VMAC, the client's ARP entry keeps the same MAC, and the stopped router deletes its VMAC", async () => {
    const d1 = daemons.get('r1')!;
    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(FAILOVER_MS), d1.dump());
    assert.equal(d1.exitCode, 0);
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP, 'vrrp.51'), FAILOVER_MS), dumpAll());
    assert.equal(link('r1', 'vrrp.51'), undefined, 'the stopped router deleted its VMAC');
    // The base's sysctls are back to what they were before the daemon changed them (lab default 0).
    assert.deepEqual(['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl('r1', 'eth0', k)), ['0', '0', '0']);
    assert.ok(await waitFor(() => lab.ping('c', VIP, 1), 5000), `client reaches the VIP on r2\n${dumpAll()}`);
    assert.equal(lab.neigh('c', VIP)?.lladdr, VMAC);
    // The answer really comes from r2 now: r2's VMAC received the client's echo requests.
    const rx = JSON.parse(sh('ip', ['-n', lab.host('r2').ns, '-j', '-s', 'link', 'show', 'dev', 'vrrp.51'])) as { stats64: { rx: { packets: number } } }[];
    assert.ok(rx[0].stats64.rx.packets > 0);
  });

  test("preempt back: the yielding master lets go on the new master's GARP from the shared virtual MAC, not after the grace time", async () => {
    // r2 is master (previous test). The new master's GARPs carry the same virtual MAC as r2's own
    // VMAC: they are still the claim r2 waits for before releasing (make-before-break).
    const d2 = daemons.get('r2')!;
    const r1 = startRouter('r1', 150);
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP, 'vrrp.51') && !lab.hasVip('r2', VIP, 'vrrp.51'), START_MS), dumpAll());
    assert.ok(await d2.waitLine(/\(VI_1\) new master's gratuitous ARP\/NA seen, releasing VIPs/, 3000), `${d2.dump()}\n${r1.dump()}`);
    assert.equal(d2.count(/no gratuitous ARP\/NA from the new master within/), 0, d2.dump());
    assert.ok(await waitFor(() => lab.ping('c', VIP, 1), 5000), dumpAll());
    assert.equal(lab.neigh('c', VIP)?.lladdr, VMAC);
    // Back to r2 alone for the next test.
    r1.signal('SIGTERM');
    assert.ok(await r1.waitExit(FAILOVER_MS), r1.dump());
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP, 'vrrp.51'), FAILOVER_MS), dumpAll());
  });

  test('a VMAC left by a crashed run is reused at the next start', async () => {
    const d2 = daemons.get('r2')!;
    d2.crash();
    assert.ok(await d2.waitExit(3000));
    assert.equal(link('r2', 'vrrp.51')?.address, VMAC, 'kill -9 leaves the VMAC');
    const again = startRouter('r2', 100);
    assert.ok(await again.waitLine(/reusing VMAC vrrp\.51 on eth0/, START_MS), again.dump());
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP, 'vrrp.51'), FAILOVER_MS), dumpAll());
    again.signal('SIGTERM');
    assert.ok(await again.waitExit(FAILOVER_MS), again.dump());
    assert.equal(link('r2', 'vrrp.51'), undefined);
  });

  test('use_vmac NAME with vmac_xmit_base on both: adverts from the base interface, VIP still on the VMAC', async () => {
    // With vmac_xmit_base the adverts carry the base MAC; both routers must use it (as with
    // keepalived), else a router's private VMAC swallows the peer's VMAC-sourced adverts.
    const d1 = startRouter('r1', 150, ['use_vmac vmac51', 'vmac_xmit_base']);
    const d2 = startRouter('r2', 100, ['use_vmac', 'vmac_xmit_base']);
    assert.ok(await d1.waitLine(/created VMAC vmac51 on eth0/, START_MS), d1.dump());
    assert.equal(link('r1', 'vmac51')?.address, VMAC);
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP, 'vmac51'), START_MS), dumpAll());
    assert.ok(await d2.waitLine(/\(VI_1\) Entering BACKUP STATE/, START_MS), d2.dump());
    const masters = d2.count(/\(VI_1\) Entering MASTER STATE/);
    assert.ok(await d1.waitLine(/Sending gratuitous ARP on vmac51/, 2000, 5), d1.dump());
    const tx = link('r1', 'vmac51')?.stats64?.tx?.packets ?? 0;
    const txBase = link('r1', 'eth0')?.stats64?.tx?.packets ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(d2.count(/\(VI_1\) Entering MASTER STATE/), masters, `r2 hears r1 on its base interface\n${dumpAll()}`);
    assert.ok(!lab.hasVip('r2', VIP, 'vrrp.51'));
    // Ten adverts a second went out of eth0, none of the VMAC (only GARPs would, 5 s later).
    assert.ok((link('r1', 'eth0')?.stats64?.tx?.packets ?? 0) - txBase >= 5, dumpAll());
    assert.equal((link('r1', 'vmac51')?.stats64?.tx?.packets ?? 0) - tx, 0, dumpAll());
    // With adverts off the VMAC, only GARPs teach the bridge where the virtual MAC lives: if r2
    // was master for a moment at start, its GARPs may be the last the bridge saw until r1's
    // second burst (garp_master_delay, 5 s). keepalived behaves the same with vmac_xmit_base.
    assert.ok(await waitFor(() => lab.ping('c', VIP, 1), 9000), dumpAll());
    assert.equal(lab.neigh('c', VIP)?.lladdr, VMAC);
  });

  test('SIGHUP to a configuration without use_vmac: the VMAC goes, the VIP moves to the base interface', async () => {
    const d1 = daemons.get('r1')!;
    writeFileSync(d1.conf, conf(instanceBlock({ priority: 150, vrid: 51, vips: [`${VIP}/24`] })));
    d1.signal('SIGHUP');
    assert.ok(await waitFor(() => link('r1', 'vmac51') === undefined && lab.hasVip('r1', VIP, 'eth0'), 8000), dumpAll());
    assert.deepEqual(['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl('r1', 'eth0', k)), ['0', '0', '0']);
    assert.ok(await waitFor(() => lab.ping('c', VIP, 1), 5000), dumpAll());
    assert.ok(await waitFor(() => lab.neigh('c', VIP)?.lladdr === lab.host('r1').mac, 3000), 'the GARP from eth0 moved the client');
  });
});

// Interop: keepalived 2.2.7 with use_vmac on the other router (run as in interop-keepalived.test.ts).
const haveKeepalived = spawnSync('sh', ['-c', 'command -v keepalived'], { stdio: 'ignore' }).status === 0;

describe('use_vmac interop with keepalived 2.2.7', { skip: haveKeepalived ? false : 'keepalived not installed' }, () => {
  const kl = new Lab('katsvk');
  const ours: Daemon[] = [];
  let ka: Keepalived | undefined;
  const dump = () => [kl.dumpAll(), ka?.dump() ?? ''].join('\n');
  const kaCount = (re: RegExp) => ka?.count(re) ?? 0;
  const startKa = (priority: number) => (ka = kl.startKeepalived('r2', conf(instanceBlock({ priority, vrid: 51, vips: [`${VIP}/24`], extra: ['use_vmac'] }))));

  labSuite(kl, ROUTERS_AND_CLIENT);

  test('ours (150) and keepalived (100), both with use_vmac: one master, same VMAC on both, client ARP = VMAC', async () => {
    startKa(100);
    const d = kl.start('r1', conf(instanceBlock({ priority: 150, vrid: 51, vips: [`${VIP}/24`], extra: ['use_vmac'] })));
    ours.push(d);
    assert.ok(await waitFor(() => kl.hasVip('r1', VIP, 'vrrp.51') && kaCount(/\(VI_1\) Entering BACKUP STATE/) > 0, START_MS), dump());
    assert.equal(link('r2', 'vrrp.51', kl)?.address, VMAC, `keepalived's VMAC\n${dump()}`);
    const masters = kaCount(/\(VI_1\) Entering MASTER STATE/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(kaCount(/\(VI_1\) Entering MASTER STATE/), masters, `keepalived hears our VMAC-sourced adverts\n${dump()}`);
    assert.ok(!kl.hasVip('r2', VIP, 'vrrp.51'));
    assert.ok(kl.ping('c', VIP, 2), dump());
    assert.equal(kl.neigh('c', VIP)?.lladdr, VMAC);
  });

  test('ours stops: keepalived takes the VIP on its VMAC; ours restarts and preempts back', async () => {
    const d = ours[0];
    d.signal('SIGTERM');
    assert.ok(await d.waitExit(FAILOVER_MS), d.dump());
    assert.ok(await waitFor(() => kl.hasVip('r2', VIP, 'vrrp.51'), FAILOVER_MS), dump());
    // (keepalived's own base interface then answers for the VIP too: with arp_announce 0 its ARP
    // request for the client carries the VIP as sender and the client's entry becomes the base MAC;
    // keepalived-ts sets arp_announce 2 on the base to keep the entry on the virtual MAC.)
    assert.ok(await waitFor(() => kl.ping('c', VIP, 1), 5000), dump());
    const again = kl.start('r1', conf(instanceBlock({ priority: 150, vrid: 51, vips: [`${VIP}/24`], extra: ['use_vmac'] })));
    ours.push(again);
    assert.ok(await waitFor(() => kl.hasVip('r1', VIP, 'vrrp.51') && !kl.hasVip('r2', VIP, 'vrrp.51'), START_MS), dump());
    assert.ok(await waitFor(() => kaCount(/Master received advert from 10\.99\.0\.1 with higher priority 150, ours 100/) > 0, 2000), dump());
    assert.ok(await waitFor(() => kl.ping('c', VIP, 1), 5000), dump());
  });
});

// IPv6: the VMAC is 00:00:5e:00:02:VRID; adverts go out of the base interface (the VMAC holds no
// link-local address of ours to send them from), the VIP and the unsolicited NAs are on the VMAC.
describe('use_vmac over IPv6', () => {
  const VIP6 = '2001:db8:99::100';
  const VMAC6 = '00:00:5e:00:02:33';
  const l6 = labSuite('katsvs', ROUTERS_AND_CLIENT, { ipv6: true });
  const ds: Daemon[] = [];
  const dump = () => l6.dumpAll();
  const has = (h: string, dev: string) => l6.addrs(h, dev).some((a) => a.local === VIP6);

  test('one master with the VIP on vrrp.51 (IPv6 virtual MAC); the client reaches it through the virtual MAC', async () => {
    ds.push(l6.start('r1', conf(instanceBlock({ priority: 150, vrid: 51, vips: [`${VIP6}/64`], extra: ['use_vmac'] }))));
    ds.push(l6.start('r2', conf(instanceBlock({ priority: 100, vrid: 51, vips: [`${VIP6}/64`], extra: ['use_vmac'] }))));
    assert.ok(await waitFor(() => has('r1', 'vrrp.51') && !has('r2', 'vrrp.51'), START_MS), dump());
    assert.ok(await ds[1].waitLine(/\(VI_1\) Entering BACKUP STATE/, START_MS), dump());
    assert.ok(await ds[0].waitLine(/use_vmac with IPv6: adverts are sent from eth0/, 1000), ds[0].dump());
    assert.equal(link('r1', 'vrrp.51', l6)?.address, VMAC6);
    // Let lines already written by r2 reach us before the snapshot (the check is "stable from now").
    await new Promise((r) => setTimeout(r, 300));
    const masters = ds[1].count(/\(VI_1\) Entering MASTER STATE/);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(ds[1].count(/\(VI_1\) Entering MASTER STATE/), masters, dump());
    assert.ok(await waitFor(() => l6.ping('c', VIP6, 1), 5000), dump());
    assert.equal(l6.neigh('c', VIP6)?.lladdr, VMAC6);
  });

  test('failover to r2: its VMAC takes the VIP, the client keeps reaching the same virtual MAC', async () => {
    ds[0].signal('SIGTERM');
    assert.ok(await ds[0].waitExit(FAILOVER_MS), ds[0].dump());
    assert.ok(await waitFor(() => has('r2', 'vrrp.51'), FAILOVER_MS), dump());
    assert.equal(link('r1', 'vrrp.51', l6), undefined);
    assert.ok(await waitFor(() => l6.ping('c', VIP6, 1), 5000), dump());
    assert.equal(l6.neigh('c', VIP6)?.lladdr, VMAC6);
  });
});
