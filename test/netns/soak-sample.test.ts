// A bounded sample (about 60 s) of the chaos soak (test/soak/soak.ts): three real directors and a
// client, kill -9 with link down, SIGTERM, SIGHUP, link flaps, partitions and a hanging track
// script, from a fixed seed. Asserted: after every fault the expected director alone holds the VIP
// and is the only MASTER (within the soak's bound), and after a graceful stop no VIP, lo address
// or process is left. Availability and convergence times are figures (RELIABILITY.md), not asserted.
// Plus: SIGTERM while notify and track scripts hang ends the daemon and its scripts (keepalived's
// script_killall at exit) instead of waiting for the notify timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSoak } from '../soak/soak.ts';
import { Lab, conf, instanceBlock, sh } from '../lib/lab.ts';

test('chaos soak sample: one master after each fault, nothing left behind', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const r = await runSoak({ minutes: 1, seed: 7, prefix: 'katsoks', log: (s) => lines.push(s) });
  const story = lines.join('\n');
  assert.ok(r.faults.length >= 5, `faults injected: ${r.faults.length}\n${story}`);
  assert.deepEqual(r.failures, [], story);
  assert.equal(r.oneMasterChecks, r.faults.length + 1, story);
  assert.deepEqual(r.leftovers, [], story);
  assert.ok(r.requests > 0 && r.ok > 0, 'the client reached the VIP');
});

test('SIGTERM with hung notify and track scripts: the daemon exits and no script is left', { timeout: 60_000 }, async () => {
  const lab = new Lab('katshs');
  try {
    lab.setup([{ name: 'd1', ip4: '10.99.0.1' }]);
    const hang = join(lab.dir, 'hang.sh');
    writeFileSync(hang, '#!/bin/sh\nsleep 60\n');
    chmodSync(hang, 0o755);
    const d = lab.start(
      'd1',
      conf(
        ['vrrp_script chk {', `  script "${hang}"`, '  interval 1', '  timeout 20', '  weight -10', '}'].join('\n'),
        instanceBlock({ priority: 140, extra: ['track_script {', '  chk', '}', `notify_backup "${hang} backup"`, `notify_master "${hang} master"`, `notify_stop "${hang} stop"`] }),
      ),
      ['--control-socket', join(lab.dir, 'control.sock')],
    );
    const ns = lab.host('d1').ns;
    const procs = () =>
      sh('ip', ['netns', 'pids', ns], { allowFail: true })
        .split(/\s+/)
        .filter(Boolean)
        .flatMap((p) => {
          try {
            return [readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()];
          } catch {
            return [];
          }
        });
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000), d.dump());
    // The master notify and a track script run are hanging now.
    const until = Date.now() + 5000;
    while (procs().filter((c) => c.includes('hang.sh')).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.ok(procs().filter((c) => c.includes('hang.sh')).length >= 2, procs().join('\n'));
    d.signal('SIGTERM');
    // Bounded well below the 30 s notify timeout the daemon used to wait for.
    assert.ok(await d.waitExit(10_000), `the daemon did not exit\n${procs().join('\n')}\n${d.dump()}`);
    assert.equal(d.exitCode, 0, d.dump());
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(procs(), [], 'nothing left in the namespace');
  } finally {
    lab.close();
    lab.cleanupDir();
  }
});
