// Make-before-break on preempt-back when the new master's GARP / unsolicited NA cannot be seen: the
// new master here sends none (garp_master_repeat 0, garp_lower_prio_repeat 0), as a new master whose GARP went out before the
// yielding master's claim watcher was bound would look. The yielding master's probe (an RFC 5227
// ARP probe / an RFC 4862 DAD solicitation, src/vips/claim-probe.ts) is answered by the new
// master's kernel, which holds the VIP; that answer is the claim, so the VIP is released at once
// instead of after the 200 ms grace time. IPv4 and IPv6, two keepalived-ts routers and a client.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, waitFor } from '../lib/lab.ts';

const START_MS = 8000;
const SEEN = /\(VI_1\) new master's gratuitous ARP\/NA seen, releasing VIPs/;
const GRACE = /no gratuitous ARP\/NA from the new master within/;

for (const fam of [4, 6] as const) {
  describe(`preempt-back without GARPs from the new master, IPv${fam}: the yielding master's probe is answered`, () => {
    const lab = labSuite(fam === 4 ? 'katscp' : 'katsc6', ROUTERS_AND_CLIENT, fam === 6 ? { ipv6: true } : {});
    const vip = fam === 4 ? '10.99.0.100' : '2001:db8:99::100';
    const vipConf = fam === 4 ? `${vip}/24` : `${vip}/64`;
    const has = (h: string) => lab.addrs(h, 'eth0').some((a) => a.local === vip);

    test('r2 yields to r1 and releases the VIP on the answer to its probe, not after the grace time', async () => {
      const r2 = lab.start('r2', conf(instanceBlock({ priority: 100, vips: [vipConf] })));
      assert.ok(await waitFor(() => has('r2'), START_MS), lab.dumpAll());
      const r1 = lab.start('r1', conf(instanceBlock({ priority: 150, vips: [vipConf], extra: ['garp_master_repeat 0', 'garp_lower_prio_repeat 0'] })));
      assert.ok(await waitFor(() => has('r1') && !has('r2'), START_MS + mdiMs(0.1, 150)), lab.dumpAll());
      assert.ok(await r2.waitLine(SEEN, 2000), `${r2.dump()}\n${r1.dump()}`);
      assert.equal(r2.count(GRACE), 0, r2.dump());
      // r1 really sent no GARP / NA of its own: the claim r2 saw was the answer to its probe.
      assert.equal(r1.count(/Sending (gratuitous ARP|Unsolicited Neighbour Advert) on/), 0, r1.dump());
      assert.ok(await waitFor(() => lab.ping('c', vip, 1), 5000), lab.dumpAll());
    });
  });
}
