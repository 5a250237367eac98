// Make-before-break graceful handover (beyond keepalived): on SIGTERM the master sends priority 0
// but keeps its VIP until the new master's gratuitous ARP is seen, so at no moment does no router hold
// the VIP; without a peer it gives up after master_down_interval. KATS_HANDOVER=0 restores
// keepalived's release-at-once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const START_MS = 8000;
const lab = new Lab('katsho');
const ds: Daemon[] = [];
const dumpAll = () => lab.dumpAll();
const only = (n: string) => () => lab.holdersAre(VIP, [n]);

describe('graceful handover', () => {
  labSuite(lab, ROUTERS_AND_CLIENT);

  test('the old master keeps the VIP until the new master advertises: no moment without a holder', async () => {
    const d1 = lab.start('r1', conf(instanceBlock({ priority: 150 })));
    const d2 = lab.start('r2', conf(instanceBlock({ priority: 100 })));
    ds.push(d1, d2);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await sleep(300);
    d1.signal('SIGTERM');
    let gap = false;
    let overlap = false;
    while (!d1.exited) {
      const h = lab.holders(VIP, ['r1', 'r2']);
      if (h.length === 0) gap = true;
      if (h.length === 2) overlap = true;
      await sleep(2);
    }
    assert.equal(gap, false, `a moment without any VIP holder\n${dumpAll()}`);
    assert.ok(d1.count(/\(VI_1\) new master 10\.99\.0\.2 seen, releasing VIPs once its gratuitous ARPs are out/) === 1, d1.dump());
    // released on r2's gratuitous ARP seen on the wire (not on the grace timer)
    assert.ok(d1.count(/\(VI_1\) new master's gratuitous ARP\/NA seen, releasing VIPs/) === 1, d1.dump());
    assert.ok(only('r2')(), dumpAll());
    assert.ok(lab.ping('c', VIP, 1));
    void overlap; // an overlap of a few ms is expected and harmless
  });

  test('without a peer the stopping master releases after a bounded wait', async () => {
    const d2 = ds[1];
    d2.signal('SIGTERM');
    assert.ok(await d2.waitExit(mdiMs(0.1, 1) + 5000), d2.dump());
    assert.ok(d2.count(/no new master within .*master_down_interval, releasing VIPs/) === 1, d2.dump());
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), []);
  });

  test('KATS_HANDOVER=0: keepalived behaviour, VIP released at once with the priority-0 advert', async () => {
    const d1 = lab.start('r1', conf(instanceBlock({ priority: 150 })), [], { KATS_HANDOVER: '0' });
    const d2 = lab.start('r2', conf(instanceBlock({ priority: 100 })));
    ds.push(d1, d2);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(5000), d1.dump());
    assert.equal(d1.count(/handing over/), 0);
    assert.ok(await waitFor(only('r2'), mdiMs(0.1, 100) + 5000), dumpAll());
  });
});
