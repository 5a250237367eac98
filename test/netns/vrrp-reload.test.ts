// SIGHUP reload: an unchanged instance keeps its state and VIPs (no new election), a changed one
// restarts, and a configuration with errors is refused while the daemon keeps running.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Lab, R1, R2, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP1 = '10.99.0.100';
const VIP2 = '10.99.0.101';
const START_MS = 8000;
const lab = new Lab('katsrl');
let d1: Daemon;
let d2: Daemon;
const dumpAll = () => lab.dumpAll();

function twoInstances(p1: number, p2: number, extra2: string[] = []): string {
  return conf(instanceBlock({ name: 'VI_1', vrid: 51, priority: p1, vips: [`${VIP1}/32`] }), instanceBlock({ name: 'VI_2', vrid: 52, priority: p2, vips: [`${VIP2}/32`], extra: extra2 }));
}

/** Sends SIGHUP and watches `vip` on r1 until the reload is done; true if it was ever missing. */
async function reloadWatching(d: Daemon, vip: string, n: number): Promise<boolean> {
  let lost = false;
  d.signal('SIGHUP');
  const done = waitFor(() => d.count(/Reload done/) >= n, 5000);
  while (d.count(/Reload done/) < n && !lost) {
    if (!lab.hasVip('r1', vip)) lost = true;
    await sleep(5);
    if (d.exited) break;
  }
  assert.ok(await done, d.dump());
  return lost;
}

describe('SIGHUP reload', () => {
  labSuite(lab, [R1, R2]);

  test('an unchanged instance keeps MASTER and its VIP; a changed one restarts', async () => {
    d1 = lab.start('r1', twoInstances(150, 150));
    d2 = lab.start('r2', twoInstances(100, 100));
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP1) && lab.hasVip('r1', VIP2), START_MS), dumpAll());
    await sleep(300);
    // VI_2 changes more than its priority (its advert interval): it restarts.
    writeFileSync(d1.conf, twoInstances(150, 160, ['advert_int 0.2']));
    writeFileSync(d2.conf, twoInstances(100, 100, ['advert_int 0.2']));
    d2.signal('SIGHUP');
    const vip1Lost = await reloadWatching(d1, VIP1, 1);
    assert.equal(vip1Lost, false, 'VI_1 kept its VIP through the reload');
    assert.ok(d1.count(/Reload done: 1 instance\(s\) kept, 1 stopped, 1 started/) === 1, d1.dump());
    assert.equal(d1.count(/\(VI_1\) Entering MASTER STATE/), 1, 'no new election for the unchanged instance');
    // VI_2 restarted from INIT and takes its VIP back with its new priority.
    assert.ok(await waitFor(() => d1.count(/\(VI_2\) Entering MASTER STATE/) >= 2, mdiMs(0.2, 160) + 5000), d1.dump());
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP2), 3000), dumpAll());
  });

  test('a change of priority only keeps the state and the VIP, and the new priority goes out in the adverts', async () => {
    const masters = d1.count(/\(VI_1\) Entering MASTER STATE/);
    writeFileSync(d1.conf, twoInstances(140, 160, ['advert_int 0.2']));
    const lost = await reloadWatching(d1, VIP1, 2);
    assert.equal(lost, false, 'VI_1 kept its VIP through a priority-only reload (keepalived restores state)');
    assert.ok(d1.count(/Reload done: 2 instance\(s\) kept, 0 stopped, 0 started/) === 1, d1.dump());
    assert.ok(await d1.waitLine(/\(VI_1\) base priority changed from 150 to 140 by reload/, 1000), d1.dump());
    assert.equal(d1.count(/\(VI_1\) Entering MASTER STATE/), masters, 'no new election');
    // Below the backup's 100 now: r2 preempts by the ordinary rules, no restart involved.
    writeFileSync(d1.conf, twoInstances(90, 160, ['advert_int 0.2']));
    d1.signal('SIGHUP');
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP1) && !lab.hasVip('r1', VIP1), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(d1.count(/\(VI_1\) base priority changed from 140 to 90 by reload/) === 1, d1.dump());
    // And back above: r1 preempts again.
    writeFileSync(d1.conf, twoInstances(150, 160, ['advert_int 0.2']));
    d1.signal('SIGHUP');
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP1) && !lab.hasVip('r2', VIP1), mdiMs(0.1, 150) + 5000), dumpAll());
    await sleep(300);
  });

  test('a configuration with errors is refused and the daemon keeps running', async () => {
    const r2Masters = d2.count(/Entering MASTER STATE/);
    writeFileSync(d1.conf, 'vrrp_instance VI_1 {\n  virtual_router_id 300\n  interface eth0\n}\nthis is not keepalived\n');
    d1.signal('SIGHUP');
    assert.ok(await d1.waitLine(/Reload failed/, 5000), d1.dump());
    await sleep(500);
    assert.equal(d1.exited, false);
    assert.ok(lab.hasVip('r1', VIP1) && lab.hasVip('r1', VIP2), dumpAll());
    assert.equal(d2.count(/Entering MASTER STATE/), r2Masters, d2.dump());
  });
});
