// Interop with keepalived 2.2.7 over IPv6 (VRRPv3, ff02::12, link-local sources, 100 ms): one
// master in both roles, failover both ways, no packet complaints from keepalived, and tshark
// decodes our adverts with a good checksum.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KEEPALIVED_PACKET_ERRORS, Lab, ROUTERS_AND_CLIENT, haveKeepalivedTools, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Keepalived } from '../lib/lab.ts';

const VIP6 = '2001:db8:99::100';
const START_MS = 8000;

const lab = new Lab('katsi6');
const kas = lab.keepaliveds;
let capture: ChildProcess | undefined;
const pcap = () => join(lab.dir, 'c6.pcap');
const only = (n: string) => () => lab.holdersAre(VIP6, [n]);
const dumpAll = () => [lab.dumpAll(), ...kas.map((k) => k.dump())].join('\n');
const block = (priority: number) => conf(instanceBlock({ priority, vips: [`${VIP6}/64`] }));

const startKa = (priority: number) => lab.startKeepalived('r2', block(priority));

const stopKa = (k: Keepalived) => k.stop();

describe('interop with keepalived 2.2.7 over IPv6', { skip: haveKeepalivedTools ? false : 'keepalived, tshark or tcpdump not installed' }, () => {
  labSuite(lab, ROUTERS_AND_CLIENT, { ipv6: true });
  before(async () => {
    capture = lab.spawnIn('c', 'tcpdump', ['-i', 'eth0', '--immediate-mode', '-U', '-w', pcap(), 'ip6 proto 112']);
    await sleep(300);
  });

  test('ours (150) master over keepalived (100); ours stops, keepalived takes over; ours returns and preempts', async () => {
    const ka = startKa(100);
    const d = lab.start('r1', block(150));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await sleep(500);
    assert.deepEqual(lab.holders(VIP6, ['r1', 'r2']), ['r1'], dumpAll());
    d.signal('SIGTERM');
    assert.ok(await waitFor(only('r2'), mdiMs(0.1, 100) + 5000), dumpAll());
    const d2 = lab.start('r1', block(150));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await lab.stopAll(3000);
    await stopKa(ka);
  });

  test('keepalived (150) master over ours (100); keepalived stops, ours takes over', async () => {
    const ka = startKa(150);
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    const d = lab.start('r1', block(100));
    assert.ok(await d.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), d.dump());
    await sleep(mdiMs(0.1, 100) * 2);
    assert.deepEqual(lab.holders(VIP6, ['r1', 'r2']), ['r2'], dumpAll());
    await stopKa(ka);
    assert.ok(await waitFor(only('r1'), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(lab.ping('c', VIP6, 2));
  });

  test('no packet complaints from keepalived; tshark decodes ours as valid VRRPv3 from a link-local source', async () => {
    assert.deepEqual(kas.flatMap((k) => k.lines).filter((l) => KEEPALIVED_PACKET_ERRORS.test(l)), [], dumpAll());
    if (capture?.pid) process.kill(-capture.pid, 'SIGINT');
    await waitFor(() => capture?.exitCode !== null, 3000);
    const r = spawnSync('tshark', ['-r', pcap(), '-Y', 'vrrp && eth.src == 02:99:00:00:00:01', '-T', 'fields', '-e', 'ipv6.src', '-e', 'vrrp.version', '-e', 'vrrp.checksum.status', '-e', 'ipv6.hlim', '-e', '_ws.malformed'], { encoding: 'utf8' });
    const rows = r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    assert.ok(rows.length > 5, `captured ${rows.length}`);
    const bad = rows.filter((x) => !x[0].startsWith('fe80:') || x[1] !== '3' || x[2] !== '1' || x[3] !== '255' || (x[4] ?? '') !== '');
    assert.deepEqual(bad, []);
  });
});
