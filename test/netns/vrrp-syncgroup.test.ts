// vrrp_sync_group: two instances move together (keepalived vrrp_sync.c): a fault in one member
// faults the other, both VIPs go to the peer, and both come back together.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Lab, NotifyFifo, ROUTERS_AND_CLIENT, conf, instanceBlock, ip, labSuite, mdiMs, waitFor, type Daemon } from '../lib/lab.ts';

const VIP1 = '10.99.0.100';
const VIP2 = '10.99.0.101';
const START_MS = 8000;
const MOVE_MS = mdiMs(0.1, 100) + 5000;
const lab = new Lab('katssg');
const ds: Daemon[] = [];
const dumpAll = () => lab.dumpAll();
const both = (n: string) => () => lab.holders(VIP1, ['r1', 'r2']).join() === n && lab.holders(VIP2, ['r1', 'r2']).join() === n;

let fifo: NotifyFifo | undefined;
const readFifo = () => fifo!.read();

function groupConf(priority: number, trackVi2: boolean, fifo?: string): string {
  return conf(
    ...(fifo ? [`global_defs {\n  vrrp_notify_fifo ${fifo}\n}`] : []),
    ['vrrp_sync_group G1 {', '  group {', '    VI_1', '    VI_2', '  }', '}'].join('\n'),
    instanceBlock({ name: 'VI_1', vrid: 51, priority, vips: [`${VIP1}/32`] }),
    instanceBlock({ name: 'VI_2', vrid: 52, priority, vips: [`${VIP2}/32`], extra: trackVi2 ? ['track_interface {', '  trk0', '}'] : [] }),
  );
}

describe('sync group of two instances', () => {
  labSuite(lab, ROUTERS_AND_CLIENT, { beforeClose: () => fifo?.close() });
  before(() => {
    const ns = lab.host('r1').ns;
    ip('-n', ns, 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1');
    ip('-n', ns, 'link', 'set', 'trk1', 'up');
    ip('-n', ns, 'link', 'set', 'trk0', 'up');
    fifo = new NotifyFifo(join(lab.dir, 'g.fifo'));
  });

  test('both instances become master on the same router', async () => {
    ds.push(lab.start('r1', groupConf(150, true, join(lab.dir, 'g.fifo'))));
    ds.push(lab.start('r2', groupConf(100, false)));
    assert.ok(await waitFor(both('r1'), START_MS), dumpAll());
    assert.ok(await ds[0].waitLine(/VRRP_Group\(G1\) Syncing instances to MASTER state/, 1000), ds[0].dump());
    assert.ok(await waitFor(() => readFifo().includes('GROUP "G1" MASTER 0\n'), 2000), fifo!.text);
  });

  test('a fault in one member faults the other: both VIPs move to the peer, and come back together', async () => {
    const ns = lab.host('r1').ns;
    ip('-n', ns, 'link', 'set', 'trk0', 'down');
    assert.ok(await ds[0].waitLine(/VRRP_Group\(G1\) Syncing instances to FAULT state/, 2000), ds[0].dump());
    assert.ok(await ds[0].waitLine(/\(VI_1\) Entering FAULT STATE/, 2000), ds[0].dump());
    assert.ok(await waitFor(both('r2'), MOVE_MS), dumpAll());
    ip('-n', ns, 'link', 'set', 'trk0', 'up');
    assert.ok(await waitFor(both('r1'), MOVE_MS + 2000), dumpAll());
    assert.ok(lab.ping('c', VIP1, 1) && lab.ping('c', VIP2, 1));
    assert.ok(readFifo().includes('GROUP "G1" FAULT 0\n'), fifo!.text);
  });
});
