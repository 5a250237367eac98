// Preemption semantics on the wire (keepalived.md §2.5): nopreempt holds across a restart of the
// higher-priority router and across its interface going down and up (no failback);
// preempt_delay holds the takeover back, then preempts. VRRPv3, 100 ms adverts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const START_MS = 8000;
const MDI_HIGH = mdiMs(0.1, 150);
const FAILOVER_MS = mdiMs(0.1, 100) + 5000;

const lab = new Lab('katspr');

function router(name: string, priority: number, extra: string[]): Daemon {
  return lab.start(name, conf(instanceBlock({ priority, extra })));
}

const only = (name: string) => () => lab.holdersAre(VIP, [name]);
const dumpAll = () => lab.dumpAll();

describe('preemption (nopreempt, preempt_delay)', () => {
  labSuite(lab, ROUTERS_AND_CLIENT);

  test('nopreempt: a restarted higher-priority router does not take the VIP back', async () => {
    const r2 = router('r2', 100, ['nopreempt']);
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    const r1 = router('r1', 150, ['nopreempt']);
    assert.ok(await r1.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), r1.dump());
    // Two master_down_intervals of r1 and more: it would have preempted by now without nopreempt.
    await sleep(2 * MDI_HIGH + 1000);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r2'], dumpAll());
    assert.equal(r1.count(/Entering MASTER STATE/), 0, r1.dump());
    assert.equal(r2.count(/Entering BACKUP STATE$/), 0);
    await lab.stopAll(FAILOVER_MS);
  });

  test("nopreempt: no failback after the master's interface goes down and up", async () => {
    const r1 = router('r1', 150, ['nopreempt']);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    const r2 = router('r2', 100, ['nopreempt']);
    assert.ok(await r2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), r2.dump());
    lab.linkSet('r1', false);
    assert.ok(await r1.waitLine(/Netlink reports eth0 down/, 2000), r1.dump());
    assert.ok(await r1.waitLine(/\(VI_1\) Entering FAULT STATE/, 2000), r1.dump());
    assert.ok(await waitFor(only('r2'), FAILOVER_MS), dumpAll());
    lab.linkSet('r1', true);
    assert.ok(await r1.waitLine(/Netlink reports eth0 up/, 2000), r1.dump());
    assert.ok(await r1.waitLine(/\(VI_1\) Entering BACKUP STATE$/, 2000), r1.dump());
    await sleep(2 * MDI_HIGH + 1000);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r2'], dumpAll());
    assert.equal(r1.count(/Entering MASTER STATE/), 1, 'r1 was master only before its link went down');
    assert.ok(lab.ping('c', VIP, 2));
    await lab.stopAll(FAILOVER_MS);
  });

  test('preempt_delay: lower adverts are accepted for the delay, then the higher priority preempts', async () => {
    const r2 = router('r2', 100, []);
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    const r1 = router('r1', 150, ['preempt_delay 3']);
    assert.ok(await r1.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), r1.dump());
    // Well inside the 3 s delay (and past r1's own master_down_interval): no takeover yet.
    await sleep(MDI_HIGH + 500);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r2'], dumpAll());
    assert.equal(r1.count(/received lower priority/), 0, 'lower adverts are accepted during the delay');
    // After the delay: r1 discards r2's adverts and preempts.
    assert.ok(await waitFor(only('r1'), 3000 + FAILOVER_MS), dumpAll());
    assert.ok(r1.count(/received lower priority \(100\) advert from 10\.99\.0\.2 - discarding/) >= 1, r1.dump());
    assert.ok(await r2.waitLine(/Master received advert from 10\.99\.0\.1 with higher priority 150, ours 100/, 2000), r2.dump());
  });
});
