// The daemon's signals and flags beyond start/stop: SIGUSR1 / SIGUSR2 / SIGRTMIN+2 dumps
// (keepalived.data / keepalived.stats / keepalived.json), a second daemon refused while the pid file names a live one, and -V
// (--dont-release-vrrp) leaving the VIPs at exit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, R1, conf, instanceBlock, labSuite, waitFor, type Daemon } from '../lib/lab.ts';
import { SIGRTMIN } from '../../src/native/signals.ts';

const VIP = '10.99.0.100';
const lab = new Lab('katssi');
let d: Daemon;

describe('daemon signals and flags', () => {
  labSuite(lab, [R1]);

  test('SIGUSR2 writes keepalived.stats and SIGUSR1 keepalived.data to --dump-dir', async () => {
    d = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['--dump-dir', lab.dir]);
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), d.dump());
    d.signal('SIGUSR2');
    const stats = join(lab.dir, 'keepalived.stats');
    assert.ok(await waitFor(() => existsSync(stats), 3000), d.dump());
    const s = readFileSync(stats, 'utf8');
    assert.match(s, /VRRP Instance: VI_1/);
    assert.match(s, /Became master: 1/);
    assert.match(s, /Sent: [1-9]/);
    d.signal('SIGUSR1');
    const data = join(lab.dir, 'keepalived.data');
    assert.ok(await waitFor(() => existsSync(data), 3000), d.dump());
    assert.match(readFileSync(data, 'utf8'), /State = MASTER/);
  });

  test('SIGRTMIN+2 writes keepalived.json (keepalived\'s JSON dump) and leaves the daemon running', async () => {
    const json = join(lab.dir, 'keepalived.json');
    process.kill(d.pid, SIGRTMIN + 2);
    assert.ok(await waitFor(() => existsSync(json), 3000), d.dump());
    const dump = JSON.parse(readFileSync(json, 'utf8')) as { data: { iname: string } }[];
    assert.deepEqual(dump.map((x) => x.data.iname), ['VI_1']);
    assert.ok(await d.waitLine(/Printing VRRP json for process\(\d+\) on signal to /, 3000), d.dump());
    assert.equal(d.exited, false, 'the signal must not take its default action (terminate)');
    assert.deepEqual(lab.holders(VIP, ['r1']), ['r1']);
  });

  test('a second daemon with the same pid file is refused while the first runs', async () => {
    const pidFile = d.pidFile;
    const other = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['-p', pidFile]);
    assert.ok(await other.waitExit(8000), other.dump());
    assert.equal(other.exitCode, 1);
    assert.ok(other.count(/already running/) === 1, other.dump());
    assert.equal(d.exited, false);
  });

  test('-V leaves the VIPs configured at exit', async () => {
    d.signal('SIGKILL');
    await d.waitExit(3000);
    const v = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['-V']);
    assert.ok(await v.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), v.dump());
    v.signal('SIGTERM');
    assert.ok(await v.waitExit(5000), v.dump());
    assert.ok(lab.hasVip('r1', VIP), 'VIP left in place by -V');
  });
});
