// Tracking on the wire: a track_script worth +2 on routers of priority 91 and 90 (the classic
// example of keepalived's docs and blogs, seeds/002) moves the VIP when it fails on the master and
// back when it recovers; track_interface unweighted (FAULT) and weighted (priority change);
// track_file (value x weight).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, ROUTERS_AND_CLIENT, conf, instanceBlock, ip, labSuite, mdiMs, waitFor, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const START_MS = 8000;
const MOVE_MS = mdiMs(0.1, 90) + 5000;
const lab = new Lab('katstr');
const ds: Daemon[] = [];
const dumpAll = () => lab.dumpAll();
const only = (n: string) => () => lab.holdersAre(VIP, [n]);
const okFile = (h: string) => join(lab.dir, `${h}.ok`);

function scriptConf(host: string, priority: number): string {
  const check = join(lab.dir, 'chk.sh');
  return conf(
    ['vrrp_script chk_nginx {', `  script "${check} ${okFile(host)}"`, '  interval 0.2', '  weight 2', '  fall 1', '  rise 1', '}'].join('\n'),
    instanceBlock({ priority, extra: ['track_script {', '  chk_nginx', '}'] }),
  );
}

describe('track_script and track_interface', () => {
  labSuite(lab, ROUTERS_AND_CLIENT);
  before(() => {
    const check = join(lab.dir, 'chk.sh');
    writeFileSync(check, '#!/bin/sh\n# stands for `killall -0 nginx`: succeeds while the flag file exists\ntest -e "$1"\n');
    chmodSync(check, 0o755);
  });

  test('a +2 track_script on priorities 91/90 moves the VIP when it fails and back when it recovers', async () => {
    writeFileSync(okFile('r1'), '');
    writeFileSync(okFile('r2'), '');
    ds.push(lab.start('r1', scriptConf('r1', 91)));
    ds.push(lab.start('r2', scriptConf('r2', 90)));
    assert.ok(await ds[0].waitLine(/Changing effective priority from 91 to 93/, START_MS), ds[0].dump());
    assert.ok(await ds[1].waitLine(/Changing effective priority from 90 to 92/, START_MS), ds[1].dump());
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    // "nginx" dies on r1: 91 < 92, r2 preempts.
    rmSync(okFile('r1'));
    assert.ok(await ds[0].waitLine(/VRRP_Script\(chk_nginx\) failed \(exited with status 1\)/, 3000), ds[0].dump());
    assert.ok(await ds[0].waitLine(/Changing effective priority from 93 to 91/, 3000), ds[0].dump());
    assert.ok(await waitFor(only('r2'), MOVE_MS), dumpAll());
    assert.ok(await ds[0].waitLine(/Master received advert from 10\.99\.0\.2 with higher priority 92, ours 91/, 2000), ds[0].dump());
    // It recovers: 93 > 92, r1 preempts back.
    writeFileSync(okFile('r1'), '');
    assert.ok(await ds[0].waitLine(/VRRP_Script\(chk_nginx\) succeeded/, 3000, 2), ds[0].dump());
    assert.ok(await waitFor(only('r1'), MOVE_MS), dumpAll());
    assert.ok(lab.ping('c', VIP, 2));
    await lab.stopAll(3000);
  });

  test('track_interface without weight: the instance goes FAULT while the interface is down', async () => {
    const ns = lab.host('r1').ns;
    // A veth pair inside r1 stands for a second NIC (no dummy module on every kernel).
    ip('-n', ns, 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1');
    ip('-n', ns, 'link', 'set', 'trk1', 'up');
    ip('-n', ns, 'link', 'set', 'trk0', 'up');
    const d1 = lab.start('r1', conf(instanceBlock({ priority: 150, extra: ['track_interface {', '  trk0', '}'] })));
    const d2 = lab.start('r2', conf(instanceBlock({ priority: 100 })));
    ds.push(d1, d2);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    ip('-n', ns, 'link', 'set', 'trk0', 'down');
    assert.ok(await d1.waitLine(/Netlink reports trk0 down/, 2000), d1.dump());
    assert.ok(await d1.waitLine(/\(VI_1\) Entering FAULT STATE/, 2000), d1.dump());
    assert.ok(await waitFor(only('r2'), MOVE_MS), dumpAll());
    ip('-n', ns, 'link', 'set', 'trk0', 'up');
    assert.ok(await d1.waitLine(/\(VI_1\) Entering BACKUP STATE$/, 2000), d1.dump());
    assert.ok(await waitFor(only('r1'), MOVE_MS), dumpAll());
    await lab.stopAll(3000);
  });

  test('track_interface with weight -60: the priority drops and the VIP moves while it is down', async () => {
    const ns = lab.host('r1').ns;
    const d1 = lab.start('r1', conf(instanceBlock({ priority: 150, extra: ['track_interface {', '  trk0 weight -60', '}'] })));
    const d2 = lab.start('r2', conf(instanceBlock({ priority: 100 })));
    ds.push(d1, d2);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    ip('-n', ns, 'link', 'set', 'trk0', 'down');
    assert.ok(await d1.waitLine(/Changing effective priority from 150 to 90/, 2000), d1.dump());
    assert.ok(await waitFor(only('r2'), MOVE_MS), dumpAll());
    assert.equal(d1.count(/Entering FAULT STATE/), 0);
    ip('-n', ns, 'link', 'set', 'trk0', 'up');
    assert.ok(await d1.waitLine(/Changing effective priority from 90 to 150/, 2000), d1.dump());
    assert.ok(await waitFor(only('r1'), MOVE_MS), dumpAll());
  });

  test('track_file: the value times the weight moves the priority, and the VIP with it', async () => {
    await lab.stopAll(3000);
    const file = join(lab.dir, 'weight.val');
    const text = conf(
      ['vrrp_track_file tf1 {', `  file ${file}`, '  weight -1', '  init_file 0 overwrite', '}'].join('\n'),
      instanceBlock({ priority: 150, extra: ['track_file {', '  tf1', '}'] }),
    );
    const d1 = lab.start('r1', text);
    const d2 = lab.start('r2', conf(instanceBlock({ priority: 100 })));
    ds.push(d1, d2);
    assert.ok(await waitFor(only('r1'), START_MS), dumpAll());
    writeFileSync(file, '60\n');
    assert.ok(await d1.waitLine(/Changing effective priority from 150 to 90/, 3000), d1.dump());
    assert.ok(await waitFor(only('r2'), MOVE_MS), dumpAll());
    writeFileSync(file, '0\n');
    assert.ok(await d1.waitLine(/Changing effective priority from 90 to 150/, 3000), d1.dump());
    assert.ok(await waitFor(only('r1'), MOVE_MS), dumpAll());
  });
});
