// A bounded sample (about 75 s) of the chaos soak (test/soak/soak.ts): three real directors (an
// IPv4 and an IPv6 instance each) and a client, from a fixed seed. It starts with a VRRP-only
// partition of the master and the runner-up (tc/cls_bpf drops IP protocol / next header 112
// between them, nothing else), a hanging track script on the master and a killed backend, then
// draws faults (kill -9 with link down, SIGTERM, SIGHUP, link flaps, partitions, hangs, dead
// backends) from the seed. Asserted: the partition made a real split brain (two masters) while
// the pair still pinged each other, and it ended after the heal; the hung script was killed,
// logged as `timed_out`, and no run outlived its timeout; the dead backend's check failed; after
// every fault one expected director alone is MASTER and holds each VIP (within the soak's bound);
// after a graceful stop no VIP, lo address, route, control socket or process is left.
// Availability and convergence times are figures (RELIABILITY.md), not asserted.
// Plus: SIGTERM while notify and track scripts hang ends the daemon and its scripts (keepalived's
// script_killall at exit) instead of waiting for the notify timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSoak } from '../soak/soak.ts';
import { Lab, conf, instanceBlock, sh } from '../lib/lab.ts';

test('chaos soak sample: VRRP-only partition, hung script, dead backend; one master after each fault, nothing left behind', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const r = await runSoak({ minutes: 0.9, seed: 7, prefix: 'katsoks', lead: ['partition', 'hang', 'backend'], log: (s) => lines.push(s) });
  const story = lines.join('\n');
  assert.ok(r.faults.length >= 6, `faults injected: ${r.faults.length}\n${story}`);
  assert.deepEqual(r.failures, [], story);
  assert.equal(r.oneMasterChecks, r.faults.length + 1, story);
  assert.deepEqual(r.leftovers, [], story);

  const [part, hang, backend] = r.faults;
  assert.equal(part.kind, 'partition');
  assert.equal(part.pairPing, true, 'only VRRP is dropped: the pair still ping each other');
  assert.ok(part.splitHoldMs > 0, `the partitioned runner-up became master too (split brain)\n${story}`);
  assert.notEqual(part.convergeMs, null, 'the split brain ended after the heal');
  assert.equal(hang.kind, 'hang');
  assert.equal(hang.failureLogged, true, 'the hung run was killed and counted as a failure (timed_out)');
  assert.deepEqual(hang.staleScripts, [], 'no script run outlived its timeout');
  assert.notEqual(hang.holdersBeforeHeal, hang.target, `the hung master lost the VIP\n${story}`);
  assert.equal(backend.kind, 'backend');
  assert.equal(backend.failureLogged, true, 'the dead backend failed its check');
  assert.ok(r.ok4 > 0 && r.ok6 > 0, 'the client reached both VIPs');
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
