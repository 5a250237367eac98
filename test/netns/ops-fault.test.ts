// "A crash in one instance's code resets that instance, never the daemon" (DESIGN.md), shown on a
// real daemon in a namespace: two instances (VI_1, VI_2), both MASTER; a bug is injected into
// VI_2's event handling through the runner's test-only fault hook (fixtures/fault-daemon.ts arms
// it; nothing in the daemon sets it). Then: the daemon keeps running and answers status, VI_1
// keeps MASTER and its VIP without a single transition, and VI_2 logs why it resets, releases its
// VIP, goes through BACKUP again and wins MASTER back.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, Lab, R1, conf, instanceBlock, labSuite, waitFor } from '../lib/lab.ts';

const lab = new Lab('katsflt');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'fault-daemon.ts');
const VIP1 = '10.99.0.100';
const VIP2 = '10.99.0.101';
let d: Daemon;

const sock = () => join(lab.dir, 'r1-ctl', 'control.sock');
const trigger = () => join(lab.dir, 'fault-now');

const status = () => lab.status('r1', sock());

describe('a bug in one instance resets that instance, not the daemon', () => {
  labSuite(lab, [R1], { stopMs: 5000 });
  before(async () => {
    const host = lab.host('r1');
    const file = join(lab.dir, 'r1.conf');
    writeFileSync(
      file,
      conf(
        instanceBlock({ name: 'VI_1', vrid: 51, priority: 150, vips: [`${VIP1}/32`] }),
        instanceBlock({ name: 'VI_2', vrid: 52, priority: 150, vips: [`${VIP2}/32`] }),
      ),
    );
    const pidFile = join(lab.dir, 'r1.pid');
    const proc = spawn('ip', ['netns', 'exec', host.ns, process.execPath, FIXTURE, '-f', file, '-n', '-l', '-D', '-p', pidFile, '--log-format', 'keepalived', '--control-socket', sock()], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KATS_FAULT_INSTANCE: 'VI_2', KATS_FAULT_TRIGGER: trigger() },
    });
    d = new Daemon(host, proc, pidFile, file);
    lab.daemons.push(d);
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000), d.dump());
    assert.ok(await d.waitLine(/\(VI_2\) Entering MASTER STATE/, 15_000), d.dump());
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP1) && lab.hasVip('r1', VIP2) && existsSync(sock()), 5000), d.dump());
  });

  test('the faulty instance resets and comes back; the other and the daemon go on', async () => {
    const vi1Lines = () => d.matching(/\(VI_1\) Entering \w+ STATE/).length;
    const vi1Before = vi1Lines();
    const vi2Backup = d.count(/\(VI_2\) Entering BACKUP STATE/);
    const vi2Master = d.count(/\(VI_2\) Entering MASTER STATE/);
    // VI_1's VIP is watched all along: it must never leave.
    let vi1Lost = false;
    const watch = setInterval(() => {
      if (!lab.hasVip('r1', VIP1)) vi1Lost = true;
    }, 50);
    try {
      writeFileSync(trigger(), '');
      assert.ok(await d.waitLine(/\(VI_2\) internal error, resetting the instance: injected fault \(test\)/, 10_000), d.dump());
      assert.ok(await d.waitLine(/\(VI_2\) Entering BACKUP STATE/, 10_000, vi2Backup + 1), d.dump());
      assert.ok(await d.waitLine(/\(VI_2\) Entering MASTER STATE/, 10_000, vi2Master + 1), d.dump());
      assert.ok(await waitFor(() => lab.hasVip('r1', VIP2), 5000), 'VI_2 holds its VIP again');
    } finally {
      clearInterval(watch);
    }
    assert.equal(d.exited, false, 'the daemon is still running');
    assert.equal(vi1Lost, false, 'VI_1 kept its VIP throughout');
    assert.equal(vi1Lines(), vi1Before, 'VI_1 made no transition');
    assert.equal(d.count(/internal error \(continuing\)/), 0, 'the bug stayed inside the instance');
    assert.equal(d.count(/\(VI_1\) internal error/), 0);
    const s = status();
    const i1 = s.instances.find((i) => i.name === 'VI_1')!;
    const i2 = s.instances.find((i) => i.name === 'VI_2')!;
    assert.equal(i1.state, 'MASTER');
    assert.equal(i2.state, 'MASTER');
    assert.deepEqual([i2.lastTransition?.from, i2.lastTransition?.to], ['BACKUP', 'MASTER']);
    assert.equal(i1.counters.becomeMaster, 1);
    assert.equal(s.pid, lab.readPid(d), 'answered by the same process');
  });
});
