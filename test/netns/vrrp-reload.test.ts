// SIGHUP reload: an unchanged instance keeps its state and VIPs (no new election), a changed one
// restarts, and a configuration with errors is refused while the daemon keeps running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Lab, conf, instanceBlock, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP1 = '10.99.0.100';
const VIP2 = '10.99.0.101';
const START_MS = 8000;
const lab = new Lab('katsrl');
let d1: Daemon;
let d2: Daemon;
const dumpAll = () => [d1, d2].map((d) => d.dump()).join('\n');

function twoInstances(p1: number, p2: number): string {
  return conf(instanceBlock({ name: 'VI_1', vrid: 51, priority: p1, vips: [`${VIP1}/32`] }), instanceBlock({ name: 'VI_2', vrid: 52, priority: p2, vips: [`${VIP2}/32`] }));
}

describe('SIGHUP reload', () => {
  before(() => {
    lab.setup([
      { name: 'r1', ip4: '10.99.0.1' },
      { name: 'r2', ip4: '10.99.0.2' },
    ]);
  });
  after(async () => {
    await lab.stopAll(3000);
    lab.close();
    lab.cleanupDir();
  });

  test('an unchanged instance keeps MASTER and its VIP; a changed one restarts', async () => {
    d1 = lab.start('r1', twoInstances(150, 150));
    d2 = lab.start('r2', twoInstances(100, 100));
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP1) && lab.hasVip('r1', VIP2), START_MS), dumpAll());
    await sleep(300);
    writeFileSync(d1.conf, twoInstances(150, 160));
    let vip1Lost = false;
    d1.signal('SIGHUP');
    const done = waitFor(() => d1.count(/Reload done/) >= 1, 5000);
    while (d1.count(/Reload done/) === 0 && !vip1Lost) {
      if (!lab.hasVip('r1', VIP1)) vip1Lost = true;
      await sleep(5);
      if (d1.exited) break;
    }
    assert.ok(await done, d1.dump());
    assert.equal(vip1Lost, false, 'VI_1 kept its VIP through the reload');
    assert.ok(d1.count(/Reload done: 1 instance\(s\) kept, 1 stopped, 1 started/) === 1, d1.dump());
    assert.equal(d1.count(/\(VI_1\) Entering MASTER STATE/), 1, 'no new election for the unchanged instance');
    // VI_2 restarted from INIT and takes its VIP back with its new priority.
    assert.ok(await waitFor(() => d1.count(/\(VI_2\) Entering MASTER STATE/) >= 2, mdiMs(0.1, 160) + 5000), d1.dump());
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP2), 3000), dumpAll());
    assert.ok(await d2.waitLine(/\(VI_2\) .*with higher priority 160/, 3000), d2.dump());
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
