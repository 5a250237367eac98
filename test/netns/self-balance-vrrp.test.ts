// The self-balancing DR tier's VRRP/address side (lvs_self_balancing) on this host's kernel: the
// VIP lives on lo (scope host) on every node that is not MASTER and on eth0 (only) on the master;
// a crashed master's replacement moves it from lo to eth0; the crashed node, restarted, repairs
// itself back to the BACKUP layout; the ARP sysctls are set when asked. (The IPVS side needs the
// VM tier: this kernel has no IPVS, which the daemon reports and survives.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, conf, instanceBlock, labSuite, mdiMs, waitFor, sh, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.254';
const NODES = ['w1', 'w2', 'w3'];
const START_MS = 8000;
const FAILOVER_MS = mdiMs(0.1, 50) + 6000;

const lab = new Lab('katssb');
const daemons = new Map<string, Daemon>();

function startNode(name: string, priority: number): Daemon {
  const d = lab.start(
    name,
    conf(
      instanceBlock({ priority, vips: [`${VIP}/32 dev eth0`], extra: ['lvs_self_balancing', 'lvs_self_balancing_set_sysctl'] }),
      `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind DR
  protocol TCP
  real_server 10.99.0.1 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`,
    ),
  );
  daemons.set(name, d);
  return d;
}

const onLo = (n: string) => lab.addrs(n, 'lo').some((a) => a.local === VIP && a.scope === 'host');
const onEth = (n: string) => lab.hasVip(n, VIP);
/** Exactly `master` holds the VIP on eth0 and not on lo; every other live node the reverse. */
function layout(master: string, live: string[]): () => boolean {
  return () => live.every((n) => (n === master ? onEth(n) && !onLo(n) : onLo(n) && !onEth(n)));
}
const dumpAll = () => lab.dumpAll();

describe('self-balancing DR tier: VIP placement follows VRRP state', () => {
  labSuite(lab, NODES.map((name, i) => ({ name, ip4: `10.99.0.${i + 1}` })));

  test('master has the VIP on eth0 only, the others on lo (scope host) only; sysctls set', async () => {
    startNode('w2', 100);
    startNode('w3', 50);
    startNode('w1', 150);
    assert.ok(await waitFor(layout('w1', NODES), START_MS), `layout w1\n${dumpAll()}`);
    for (const n of NODES) {
      assert.equal(sh('ip', ['netns', 'exec', lab.host(n).ns, 'sysctl', '-n', 'net.ipv4.conf.eth0.arp_ignore']).trim(), '1');
      assert.equal(sh('ip', ['netns', 'exec', lab.host(n).ns, 'sysctl', '-n', 'net.ipv4.conf.eth0.arp_announce']).trim(), '2');
    }
    // No IPVS in this kernel: said once, and the daemon keeps running.
    assert.ok(daemons.get('w1')!.count(/cannot use the kernel's IPVS/) >= 1, dumpAll());
  });

  test('a crashed master is replaced: the next node moves the VIP from lo to eth0', async () => {
    // kill -9 before the link goes: the dead run leaves the VIP on eth0 and none on lo (with the
    // link down first, the daemon would see it and move to FAULT in the BACKUP layout).
    daemons.get('w1')!.crash();
    await daemons.get('w1')!.waitExit(3000);
    lab.linkSet('w1', false);
    assert.ok(await waitFor(layout('w2', ['w2', 'w3']), FAILOVER_MS), `layout w2\n${dumpAll()}`);
  });

  test('the crashed node restarts into the BACKUP layout, then preempts back', async () => {
    // A kill -9 left w1 with the VIP on eth0 and not on lo.
    assert.ok(onEth('w1') && !onLo('w1'));
    lab.linkSet('w1', true);
    startNode('w1', 150);
    assert.ok(await waitFor(layout('w1', NODES), START_MS + FAILOVER_MS), `layout w1 again\n${dumpAll()}`);
  });

  test('a graceful stop leaves the node in the BACKUP layout (VIP on lo) and another master', async () => {
    daemons.get('w1')!.signal('SIGTERM');
    assert.ok(await daemons.get('w1')!.waitExit(8000), dumpAll());
    assert.ok(await waitFor(() => onLo('w1') && !onEth('w1') && layout('w2', ['w2', 'w3'])(), FAILOVER_MS), `after stop\n${dumpAll()}`);
  });
});
