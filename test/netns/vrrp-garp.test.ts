// Gratuitous ARP schedule on the wire (keepalived.md §2.4): garp_master_repeat packets on becoming
// master, the same again after garp_master_delay, then garp_master_refresh_repeat every
// garp_master_refresh; and garp_lower_prio_repeat packets when a master hears a lower-priority
// advert (here injected from the client namespace through our own transport).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLIENT, Lab, R1, conf, instanceBlock, labSuite, sleep, waitFor, type Daemon } from '../lib/lab.ts';
import { SocketTransport } from '../../src/vrrp/socket-transport.ts';
import { encodeAdvert } from '../../src/vrrp/packet.ts';
import { ip as ipBytes } from '../../src/vrrp/addr.ts';

const VIP = '10.99.0.100';
const lab = new Lab('katsga');
let d1: Daemon;
let cap: ReturnType<Lab['spawnIn']> | undefined;
const pcap = () => join(lab.dir, 'arp.pcap');

function garpsFrom(mac: string): number {
  const r = spawnSync('tshark', ['-r', pcap(), '-Y', `arp.isgratuitous && eth.src == ${mac} && arp.src.proto_ipv4 == ${VIP}`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).length;
}

describe('gratuitous ARP schedule', { skip: spawnSync('sh', ['-c', 'command -v tshark && command -v tcpdump'], { stdio: 'ignore' }).status === 0 ? false : 'needs tshark and tcpdump' }, () => {
  labSuite(lab, [R1, CLIENT]);
  before(async () => {
    cap = lab.spawnIn('c', 'tcpdump', ['-i', 'eth0', '--immediate-mode', '-U', '-w', pcap(), 'arp']);
    await sleep(300);
  });

  test('repeat on becoming master, again after garp_master_delay, then every garp_master_refresh', async () => {
    d1 = lab.start('r1', conf(instanceBlock({ priority: 150, extra: ['garp_master_delay 1', 'garp_master_repeat 3', 'garp_master_refresh 1', 'garp_master_refresh_repeat 2', 'garp_lower_prio_repeat 4', 'garp_lower_prio_delay 0'] })));
    assert.ok(await d1.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), d1.dump());
    // 3 at once, 3 after 1 s, then 2 per second: at least 10 within ~3 s (bounded wait, no timing asserted).
    assert.ok(await waitFor(() => d1.count(/Sending gratuitous ARP on eth0 for 10\.99\.0\.100/) >= 10, 8000), d1.dump());
    const bursts = d1.count(/Sending\/queueing gratuitous ARPs on eth0 for 10\.99\.0\.100/);
    assert.ok(bursts >= 3, `at least the initial, delayed and one refresh burst (${bursts})`);
    assert.ok(await waitFor(() => garpsFrom(lab.host('r1').mac) >= 8, 3000), `captured ${garpsFrom(lab.host('r1').mac)}`);
  });

  test('a master hearing a lower-priority advert re-asserts itself with garp_lower_prio_repeat GARPs', async () => {
    const before = d1.count(/Sending gratuitous ARP on eth0/);
    const c = lab.host('c');
    const ifindex = Number(JSON.parse(spawnSync('ip', ['-n', c.ns, '-j', 'link', 'show', 'eth0'], { encoding: 'utf8' }).stdout)[0].ifindex);
    const t = new SocketTransport({ netns: c.ns });
    try {
      const src = ipBytes('10.99.0.9');
      const group = ipBytes('224.0.0.18');
      const ages: (number | undefined)[] = [];
      t.attach({ key: 'inject', family: 4, vrid: 51, ifname: 'eth0', ifindex, src, group }, (p) => void ages.push(p.ageMs));
      const adv = encodeAdvert({ version: 3, vrid: 51, priority: 50, family: 4, addrs: [ipBytes(VIP)], advertIntCs: 10, src, dst: group });
      assert.equal(t.send('inject', adv, group), undefined);
      // The master's adverts reach this socket stamped with their kernel arrival (SO_TIMESTAMPNS):
      // the transport hands their age to the instance, for the master-down timer.
      assert.ok(await waitFor(() => ages.length > 0, 2000), 'no advert from the master');
      assert.ok(ages.every((a) => a !== undefined && a >= 0 && a < 250), `ages ${ages.join(',')}`);
    } finally {
      t.close();
    }
    assert.ok(await d1.waitLine(/\(VI_1\) Received advert from 10\.99\.0\.9 with lower priority 50, ours 150, forcing new election/, 2000), d1.dump());
    assert.ok(await waitFor(() => d1.count(/Sending gratuitous ARP on eth0/) >= before + 4, 2000), d1.dump());
    if (cap?.pid) process.kill(-cap.pid, 'SIGINT');
  });
});
