// Election, crash failover, preempt-back, graceful stop and the IP tie-break with three
// keepalived-ts routers and a client on one bridge (VRRPv3, 100 ms adverts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT, Lab, R1, R2, R3, conf, instanceBlock, labSuite, mdiMs, waitFor, type Daemon } from '../lib/lab.ts';
import { Rtnetlink } from '../../src/netlink/rtnetlink.ts';
import { KATS_ADDR_PROTO, VipManager } from '../../src/vips/manager.ts';

const VIP = '10.99.0.100';
const ROUTERS = ['r1', 'r2', 'r3'];
// Bounds: start-up (~1 s for Node) + master_down_interval, with generous slack.
const START_MS = 8000;
const FAILOVER_MS = mdiMs(0.1, 50) + 5000;

const lab = new Lab('katsel');
const daemons = new Map<string, Daemon>();

function startRouter(name: string, priority: number, extra: string[] = []): Daemon {
  const d = lab.start(name, conf(instanceBlock({ priority, vips: [`${VIP}/24 brd + dev eth0 label eth0:vip`, '10.99.0.200/32 dev eth0 scope link'], extra })));
  daemons.set(name, d);
  return d;
}

const onlyHolder = (name: string) => () => lab.holdersAre(VIP, [name], ROUTERS);
const dumpAll = () => lab.dumpAll();

describe('VRRP election on a bridge (3 routers + client)', () => {
  labSuite(lab, [R1, R2, R3, CLIENT]);

  test('election: the highest priority becomes the only master and the client reaches the VIP', async () => {
    startRouter('r2', 100);
    startRouter('r3', 50);
    startRouter('r1', 150);
    assert.ok(await waitFor(onlyHolder('r1'), START_MS), `r1 should hold the VIP alone\n${dumpAll()}`);
    assert.ok(await daemons.get('r1')!.waitLine(/\(VI_1\) Entering MASTER STATE/, 1000), dumpAll());
    // The VIPs carry the configured prefix, broadcast, label and scope, and our IFA_PROTO marker.
    const a = lab.addrs('r1').find((x) => x.local === VIP);
    assert.equal(a?.prefixlen, 24);
    assert.equal(a?.label, 'eth0:vip');
    assert.equal(a?.broadcast, '10.99.0.255');
    assert.equal(a?.scope, 'global');
    // iproute2 6.1 does not show IFA_PROTO; read it with our own rtnetlink client.
    const rt = Rtnetlink.open({ netns: lab.host('r1').ns });
    try {
      const mine = (await new VipManager(rt).present()).filter((x) => x.text === VIP || x.text === '10.99.0.200');
      assert.deepEqual(mine.map((x) => x.proto), [KATS_ADDR_PROTO, KATS_ADDR_PROTO]);
    } finally {
      rt.close();
    }
    const b = lab.addrs('r1').find((x) => x.local === '10.99.0.200');
    assert.equal(b?.scope, 'link');
    assert.equal(b?.prefixlen, 32);
    assert.ok(lab.ping('c', VIP, 2), 'client reaches the VIP');
    assert.equal(lab.neigh('c', VIP)?.lladdr, lab.host('r1').mac);
    // The two others end as backups (whoever started first may have been master for a moment).
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering BACKUP STATE/, 1000));
    assert.deepEqual(lab.holders(VIP, ROUTERS), ['r1']);
  });

  test("crash failover: master's link down then kill -9, the next priority takes over and the client's ARP follows", async () => {
    const d1 = daemons.get('r1')!;
    lab.linkSet('r1', false);
    d1.crash();
    assert.ok(await d1.waitExit(3000));
    assert.ok(await waitFor(() => lab.holders(VIP, ['r2', 'r3']).join() === 'r2', FAILOVER_MS), `r2 should take over\n${dumpAll()}`);
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering MASTER STATE/, 1000));
    assert.ok(lab.ping('c', VIP, 2), 'client reaches the VIP on r2');
    assert.ok(await waitFor(() => lab.neigh('c', VIP)?.lladdr === lab.host('r2').mac, 2000), 'client ARP entry follows the GARP');
    assert.deepEqual(lab.holders(VIP, ['r2', 'r3']), ['r2']);
  });

  test('preempt back: the restarted higher priority takes the VIP back and the client follows', async () => {
    lab.linkSet('r1', true);
    const d1 = startRouter('r1', 150);
    assert.ok(await waitFor(onlyHolder('r1'), START_MS), `r1 should preempt back\n${dumpAll()}`);
    assert.ok(await daemons.get('r2')!.waitLine(/Master received advert from 10\.99\.0\.1 with higher priority 150, ours 100/, 2000), dumpAll());
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering BACKUP STATE$/, 2000));
    // Make-before-break (beyond keepalived): r2 answers for the VIP until r1's gratuitous ARP is
    // on the wire, and lets it go as soon as it sees it (not after the CLAIM_GRACE_MS bound).
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) keeping VIPs until the new master announces them/, 2000), dumpAll());
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) new master's gratuitous ARP\/NA seen, releasing VIPs/, 2000), dumpAll());
    assert.ok(await waitFor(() => lab.neigh('c', VIP)?.lladdr === lab.host('r1').mac, 2000), 'client ARP entry follows r1');
    assert.ok(lab.ping('c', VIP, 2));
    assert.ok(await d1.waitLine(/\(VI_1\) Entering MASTER STATE/, 1000), d1.dump());
  });

  test('kill -9 leaves the VIP; the next start removes it before electing', async () => {
    const d1 = daemons.get('r1')!;
    d1.crash();
    assert.ok(await d1.waitExit(3000));
    assert.ok(lab.hasVip('r1', VIP), 'a SIGKILLed daemon cannot remove its VIP');
    // r2 takes over meanwhile (two holders until r1 restarts: the case the cleanup exists for).
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP), FAILOVER_MS), dumpAll());
    const again = startRouter('r1', 150);
    assert.ok(await again.waitLine(/removed leftover VIP 10\.99\.0\.100\/24 dev eth0/, START_MS), again.dump());
    assert.ok(await waitFor(onlyHolder('r1'), START_MS), dumpAll());
  });

  test('graceful stop: priority 0 is sent, a backup takes over and the stopped master releases the VIP', async () => {
    const d1 = daemons.get('r1')!;
    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(FAILOVER_MS), d1.dump());
    assert.equal(d1.exitCode, 0);
    assert.ok(d1.count(/\(VI_1\) sent 0 priority/) >= 1, d1.dump());
    assert.ok(await waitFor(onlyHolder('r2'), FAILOVER_MS), dumpAll());
    assert.ok(await daemons.get('r2')!.waitLine(/Backup received priority 0 advertisement/, 1000));
    assert.equal(lab.readPid(d1), undefined, 'pid file removed at a clean exit');
    assert.ok(lab.ping('c', VIP, 2));
  });

  test('equal priority: the higher primary IP wins', async () => {
    await lab.stopAll(FAILOVER_MS);
    daemons.clear();
    // Equal priority is decided only between two masters (a backup accepts an equal advert,
    // keepalived vrrp_state_backup): partition r1 and r2 so both become master, then heal.
    lab.portSet('r1', false);
    lab.portSet('r2', false);
    const mk = (name: string) => {
      const d = lab.start(name, conf(instanceBlock({ priority: 100, vrid: 52, vips: ['10.99.0.101/32'] })));
      daemons.set(name, d);
      return d;
    };
    const d1 = mk('r1');
    const d2 = mk('r2');
    assert.ok(await waitFor(() => lab.holders('10.99.0.101', ['r1', 'r2']).length === 2, START_MS), dumpAll());
    lab.portSet('r1', true);
    lab.portSet('r2', true);
    assert.ok(await waitFor(() => lab.holders('10.99.0.101', ['r1', 'r2']).join() === 'r2', FAILOVER_MS), dumpAll());
    assert.ok(await d1.waitLine(/Master received advert from 10\.99\.0\.2 with same priority 100 but higher IP address than ours/, 1000), d1.dump());
    assert.ok(d2.count(/Received advert from 10\.99\.0\.1 with lower priority 100, ours 100, forcing new election/) >= 0);
    // Stable: still only r2 a few intervals later.
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(lab.holders('10.99.0.101', ['r1', 'r2']), ['r2'], dumpAll());
  });
});
