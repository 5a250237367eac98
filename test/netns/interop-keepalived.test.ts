// Interop with Debian's keepalived 2.2.7 on one bridge: mixed pairs in both roles, VRRPv3
// (100 ms) and VRRPv2 with PASS authentication (1 s), one master, failover both ways; keepalived
// logs no packet errors about our adverts; tshark decodes ours as valid VRRP (good checksum,
// nothing malformed). keepalived runs as `keepalived -n -l -D -G --vrrp` with private pid files.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KEEPALIVED_PACKET_ERRORS, Lab, ROUTERS_AND_CLIENT, haveKeepalivedTools, conf, instanceBlock, labSuite, mdiMs, sleep, waitFor, type Daemon, type Keepalived } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const OURS = '10.99.0.1';
const START_MS = 8000;

const lab = new Lab('katsio');
const kas = lab.keepaliveds;
const ours: Daemon[] = [];
let capture: ChildProcess | undefined;
const pcap = () => join(lab.dir, 'client.pcap');

const startKa = (text: string) => lab.startKeepalived('r2', text);

const stopKa = (k: Keepalived) => k.stop();

function startOurs(text: string): Daemon {
  const d = lab.start('r1', text);
  ours.push(d);
  return d;
}

const only = (name: string) => () => lab.holdersAre(VIP, [name]);
const dumpAll = () => [lab.dumpAll(), ...kas.map((k) => k.dump())].join('\n');
const PASS = ['authentication {', '  auth_type PASS', '  auth_pass kats1234', '}'];

describe('interop with keepalived 2.2.7', { skip: haveKeepalivedTools ? false : 'keepalived, tshark or tcpdump not installed' }, () => {
  labSuite(lab, ROUTERS_AND_CLIENT);
  before(async () => {
    capture = lab.spawnIn('c', 'tcpdump', ['-i', 'eth0', '--immediate-mode', '-U', '-w', pcap(), 'vrrp']);
    await sleep(300);
  });

  test('v3: ours (150) and keepalived (100) elect ours as the only master', async () => {
    startKa(conf(instanceBlock({ priority: 100 })));
    startOurs(conf(instanceBlock({ priority: 150 })));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    await sleep(500);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r1'], dumpAll());
  });

  test('v3: crash of ours (link down + kill -9) fails over to keepalived', async () => {
    const d = ours[ours.length - 1];
    lab.linkSet('r1', false);
    d.crash();
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(await kas[0].waitLine(/\(VI_1\) Entering MASTER STATE/, 1000));
    lab.linkSet('r1', true);
  });

  test('v3: ours restarted preempts keepalived back', async () => {
    startOurs(conf(instanceBlock({ priority: 150 })));
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    assert.ok(await kas[0].waitLine(/Master received advert from 10\.99\.0\.1 with higher priority 150, ours 100/, 2000), dumpAll());
    await lab.stopAll(3000);
    await stopKa(kas[0]);
  });

  test('v3 roles swapped: keepalived (150) master, ours (100) backup; keepalived stops, ours takes over; keepalived returns and preempts', async () => {
    const ka = startKa(conf(instanceBlock({ priority: 150 })));
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    const d = startOurs(conf(instanceBlock({ priority: 100 })));
    assert.ok(await d.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), d.dump());
    await sleep(mdiMs(0.1, 100) * 2);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r2'], dumpAll());
    await stopKa(ka);
    assert.ok(await waitFor(only('r1'), mdiMs(0.1, 100) + 5000), dumpAll());
    assert.ok(await d.waitLine(/Backup received priority 0 advertisement/, 1000), d.dump());
    const ka2 = startKa(conf(instanceBlock({ priority: 150 })));
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    assert.ok(await d.waitLine(/Master received advert from 10\.99\.0\.2 with higher priority 150, ours 100/, 2000), d.dump());
    // Ours yields with one advert of its own (higher_prio_send_advert, on by default in
    // keepalived-ts): keepalived takes it as any lower-priority advert and re-announces the VIP.
    // Not a packet error (KEEPALIVED_PACKET_ERRORS, checked below).
    assert.ok(await ka2.waitLine(/\(VI_1\) Received advert from 10\.99\.0\.1 with lower priority 100, ours 150, forcing new election/, 2000), ka2.dump());
    await lab.stopAll(3000);
    await stopKa(ka2);
  });

  test('v2 with PASS auth: keepalived (150) master and ours (100) backup, failover to ours and back', async () => {
    const v2 = (priority: number) => conf(instanceBlock({ priority, version: 2, advert: '1', extra: PASS }));
    const ka = startKa(v2(150));
    assert.ok(await waitFor(only('r2'), START_MS), dumpAll());
    const d = startOurs(v2(100));
    assert.ok(await d.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, START_MS), d.dump());
    await sleep(mdiMs(1, 100, 2) + 500);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r2'], dumpAll());
    await stopKa(ka);
    assert.ok(await waitFor(only('r1'), mdiMs(1, 100, 2) + 5000), dumpAll());
    const ka2 = startKa(v2(150));
    assert.ok(await waitFor(only('r2'), mdiMs(1, 150, 2) + START_MS), dumpAll());
    assert.ok(await d.waitLine(/Master received advert from 10\.99\.0\.2 with higher priority 150, ours 100/, 2000), d.dump());
    // Ours yields with one advert of its own (higher_prio_send_advert, on by default in
    // keepalived-ts): keepalived takes it as any lower-priority advert and re-announces the VIP.
    // Not a packet error (KEEPALIVED_PACKET_ERRORS, checked below).
    assert.ok(await ka2.waitLine(/\(VI_1\) Received advert from 10\.99\.0\.1 with lower priority 100, ours 150, forcing new election/, 2000), ka2.dump());
    await lab.stopAll(3000);
    await stopKa(ka2);
  });

  test('v2 with PASS auth: ours (150) master and keepalived (100) backup, graceful handover to keepalived', async () => {
    const v2 = (priority: number) => conf(instanceBlock({ priority, version: 2, advert: '1', extra: PASS }));
    const d = startOurs(v2(150));
    assert.ok(await waitFor(only('r1'), mdiMs(1, 150, 2) + START_MS), dumpAll());
    const ka = startKa(v2(100));
    assert.ok(await ka.waitLine(/\(VI_1\) Entering BACKUP STATE/, START_MS), ka.dump());
    await sleep(mdiMs(1, 100, 2) + 500);
    assert.deepEqual(lab.holders(VIP, ['r1', 'r2']), ['r1'], dumpAll());
    d.signal('SIGTERM');
    assert.ok(await waitFor(only('r2'), mdiMs(1, 100, 2) + 5000), dumpAll());
    assert.ok(await ka.waitLine(/Backup received priority 0 advertisement/, 1000), ka.dump());
    assert.ok(await d.waitExit(5000), d.dump());
    await stopKa(ka);
  });

  test('keepalived logged no packet errors about our adverts', () => {
    for (const k of kas) {
      const bad = k.lines.filter((l) => KEEPALIVED_PACKET_ERRORS.test(l));
      assert.deepEqual(bad, [], k.dump());
    }
  });

  test('tshark decodes our adverts as valid VRRP (v2 and v3, good checksum, nothing malformed)', async () => {
    if (capture?.pid) process.kill(-capture.pid, 'SIGINT');
    await waitFor(() => capture?.exitCode !== null, 3000);
    const r = spawnSync('tshark', ['-r', pcap(), '-o', 'vrrp.v3_checksum_as_in_v2:FALSE', '-Y', `vrrp && ip.src == ${OURS}`, '-T', 'fields', '-e', 'vrrp.version', '-e', 'vrrp.checksum.status', '-e', '_ws.malformed', '-e', 'vrrp.prio'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    assert.ok(rows.length > 10, `captured ${rows.length} of our adverts`);
    const versions = new Set(rows.map((x) => x[0]));
    assert.ok(versions.has('2') && versions.has('3'), `both versions captured: ${[...versions]}`);
    // vrrp.checksum.status: 1 = Good (Wireshark's PROTO_CHECKSUM_E_GOOD).
    const bad = rows.filter((x) => x[1] !== '1' || x[2] !== '');
    assert.deepEqual(bad, [], 'every advert of ours decodes with a good checksum');
    const malformed = spawnSync('tshark', ['-r', pcap(), '-Y', `_ws.malformed || _ws.expert.severity >= error`], { encoding: 'utf8' });
    assert.equal(malformed.stdout.trim(), '', malformed.stdout);
  });
});
