// Unicast VRRP (keepalived unicast_src_ip + unicast_peer): adverts go to the peers only, and
// adverts from anyone who is not a configured peer are dropped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT, Lab, R1, R2, R3, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const START_MS = 8000;
const lab = new Lab('katsuc');
const ds: Daemon[] = [];
const dumpAll = () => lab.dumpAll();
const only = (n: string) => () => lab.holdersAre(VIP, [n]);

function uc(priority: number, src: string, peers: string[]): string {
  return conf(instanceBlock({ priority, extra: [`unicast_src_ip ${src}`, 'unicast_peer {', ...peers.map((p) => `  ${p}`), '}'] }));
}

describe('unicast VRRP', () => {
  labSuite(lab, [R1, R2, R3, CLIENT]);

  test('two unicast peers elect one master and fail over', async () => {
    ds.push(lab.start('r1', uc(150, '10.99.0.1', ['10.99.0.2'])));
    ds.push(lab.start('r2', uc(100, '10.99.0.2', ['10.99.0.1'])));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await sleep(400);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r1'], dumpAll());
    assert.ok(lab.ping('c', VIP, 2));
  });

  test('adverts from a router that is not a configured peer are dropped', async () => {
    // r3 has priority 200 and sends by unicast to r2, which does not list it as a peer: r2 must
    // ignore it (keepalived drops adverts from non-peers), so r2 stays backup of r1 and r3 never
    // hears r1 and becomes master of its own.
    const r2Masters = ds[1].count(/Entering MASTER STATE/);
    ds.push(lab.start('r3', uc(200, '10.99.0.3', ['10.99.0.2'])));
    assert.ok(await ds[2].waitLine(/\(VI_1\) Entering MASTER STATE/, START_MS), dumpAll());
    await sleep(mdiMs(0.1, 100) * 2);
    assert.equal(ds[1].count(/Entering MASTER STATE/), r2Masters, dumpAll());
    assert.ok(ds[1].count(/not a unicast peer/) >= 1, ds[1].dump());
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r1'], 'r1 never heard r3 and stays master');
    ds[2].signal('SIGTERM');
    assert.ok(await ds[2].waitExit(5000));
  });

  test('unicast failover: the peer takes over on a graceful stop', async () => {
    ds[0].signal('SIGTERM');
    assert.ok(await waitFor(only('r2'), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(await ds[1].waitLine(/Backup received priority 0 advertisement/, 1000), ds[1].dump());
  });
});
