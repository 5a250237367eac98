// VRRPv3 over IPv6 (RFC 5798 §5.1.2): adverts to ff02::12 from the link-local address with hop
// limit 255, the VIP added without DAD, unsolicited neighbour advertisements moving the client.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon } from '../lib/lab.ts';

const VIP6 = '2001:db8:99::100';
const START_MS = 8000;
const ds: Daemon[] = [];

describe('VRRPv3 over IPv6', () => {
  const lab = labSuite('katsv6', ROUTERS_AND_CLIENT, { ipv6: true });
  const dumpAll = () => lab.dumpAll();
  const only = (n: string) => () => lab.holdersAre(VIP6, [n]);

  test('election over ff02::12, the VIP is usable at once and the client reaches it', async () => {
    ds.push(lab.start('r1', conf(instanceBlock({ priority: 150, vips: [`${VIP6}/64`] }))));
    ds.push(lab.start('r2', conf(instanceBlock({ priority: 100, vips: [`${VIP6}/64`] }))));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await sleep(400);
    assert.deepEqual(lab.holders(VIP6, ['r1', 'r2']), ['r1'], dumpAll());
    assert.ok(lab.ping('c', VIP6, 2), 'client reaches the IPv6 VIP');
    assert.equal(lab.neigh('c', VIP6)?.lladdr, lab.host('r1').mac);
  });

  test('failover: the backup takes over and its unsolicited NA moves the client', async () => {
    ds[0].signal('SIGTERM');
    assert.ok(await waitFor(only('r2'), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(await ds[0].waitExit(5000), ds[0].dump());
    // the graceful handover released on r2's unsolicited NA, seen on the wire
    assert.equal(ds[0].count(/\(VI_1\) new master's gratuitous ARP\/NA seen, releasing VIPs/), 1, ds[0].dump());
    assert.ok(await waitFor(() => lab.neigh('c', VIP6)?.lladdr === lab.host('r2').mac, 3000), 'client neighbour entry follows the unsolicited NA');
    assert.ok(lab.ping('c', VIP6, 2));
  });
});
