// Flags and signals not covered elsewhere, each against a real daemon in a namespace: -v, -h,
// -i (config id), -P / -C (one side only, seen through status), -g with --log-format json,
// SIGINT (graceful stop like SIGTERM), a second SIGTERM (stop at once), and the control socket
// removed at exit and never stolen from a live daemon.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Lab, R1, conf, instanceBlock, labSuite, waitFor } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const lab = new Lab('katsfl');
const sock = (n: string) => join(lab.dir, `ctl-${n}`, 'control.sock');

const status = (socket: string) => lab.status('r1', socket);

const vs = `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_kind NAT
  protocol TCP
  real_server 10.99.0.1 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;

describe('flags and signals', () => {
  labSuite(lab, [R1], { stopMs: 5000 });

  test('-v prints the version, -h the usage with the subcommands', () => {
    const v = spawnSync(process.execPath, [BIN, '-v'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^keepalived-ts \d+\.\d+\.\d+/);
    const h = spawnSync(process.execPath, [BIN, '-h'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    assert.match(h.stdout, /keepalived-ts status \[--json\]/);
    assert.match(h.stdout, /ctl drain\|undrain/);
    assert.match(h.stdout, /--metrics/);
  });

  test('-i: @ID lines apply only to the matching config id', async () => {
    const text = conf(instanceBlock({ priority: 100, extra: ['@left priority 150', '@^left priority 120'] }));
    const d = lab.start('r1', text, ['-i', 'left', '--control-socket', sock('i')]);
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), d.dump());
    assert.equal(status(sock('i')).instances[0].basePriority, 150);
    d.signal('SIGTERM');
    assert.ok(await d.waitExit(8000), d.dump());
    const d2 = lab.start('r1', text, ['-i', 'right', '--control-socket', sock('i')]);
    assert.ok(await d2.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), d2.dump());
    assert.equal(status(sock('i')).instances[0].basePriority, 120);
    d2.signal('SIGTERM');
    assert.ok(await d2.waitExit(8000), d2.dump());
    assert.equal(existsSync(sock('i')), false, 'the control socket is removed at exit');
  });

  test('-P runs only VRRP, -C only the checks', async () => {
    const text = conf(instanceBlock({ priority: 150 }), vs);
    const p = lab.start('r1', text, ['-P', '--control-socket', sock('p')]);
    assert.ok(await p.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), p.dump());
    const sp = status(sock('p'));
    assert.equal(sp.instances.length, 1);
    assert.equal(sp.virtualServers.length, 0);
    p.signal('SIGTERM');
    assert.ok(await p.waitExit(8000), p.dump());
    const c = lab.start('r1', text, ['-C', '--control-socket', sock('c')]);
    assert.ok(await waitFor(() => existsSync(sock('c')), 8000), c.dump());
    const sc = status(sock('c'));
    assert.equal(sc.instances.length, 0);
    assert.equal(sc.virtualServers.length, 1);
    assert.equal(lab.hasVip('r1', VIP), false, '-C configures no VIP');
    c.signal('SIGTERM');
    assert.ok(await c.waitExit(8000), c.dump());
  });

  test('-g FILE with --log-format json writes pino JSON lines to the file', async () => {
    const logFile = join(lab.dir, 'kats.log');
    const d = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['-g', logFile, '--log-format', 'json', '--control-socket', sock('g')]);
    assert.ok(await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('Entering MASTER STATE'), 8000), d.dump());
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    for (const l of lines) assert.equal(typeof (JSON.parse(l) as { msg: unknown }).msg, 'string', l);
    d.signal('SIGTERM');
    assert.ok(await d.waitExit(8000), d.dump());
  });

  test('SIGINT stops gracefully: VIP removed, exit 0', async () => {
    const d = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['--control-socket', sock('int')]);
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), d.dump());
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP), 3000));
    d.signal('SIGINT');
    assert.ok(await d.waitExit(10_000), d.dump());
    assert.equal(d.exitCode, 0, d.dump());
    assert.equal(lab.hasVip('r1', VIP), false);
    assert.ok(d.count(/Stopped/) >= 1, d.dump());
  });

  test('a second SIGTERM stops at once, without waiting for a handover', async () => {
    // advert 3 s: a make-before-break handover would wait up to ~9 s for a peer that never comes.
    const d = lab.start('r1', conf(instanceBlock({ priority: 150, advert: '3' })), ['--control-socket', sock('t2')]);
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000), d.dump());
    d.signal('SIGTERM');
    assert.ok(await d.waitLine(/Stopping/, 3000), d.dump());
    d.signal('SIGTERM');
    assert.ok(await d.waitLine(/Second stop signal/, 3000), d.dump());
    assert.ok(await d.waitExit(5000), d.dump());
    assert.equal(d.exitCode, 0);
    assert.equal(lab.hasVip('r1', VIP), false);
  });

  test('a live daemon keeps its control socket; a second daemon does not steal it', async () => {
    const a = lab.start('r1', conf(instanceBlock({ priority: 150 })), ['--control-socket', sock('own')]);
    assert.ok(await a.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000), a.dump());
    const pidA = status(sock('own')).pid;
    const b = lab.start('r1', conf(instanceBlock({ name: 'VI_9', vrid: 99, priority: 150, vips: ['10.99.0.109/32'] })), ['--control-socket', sock('own'), '-p', join(lab.dir, 'b.pid')]);
    assert.ok(await b.waitLine(/belongs to another running keepalived-ts/, 8000), b.dump());
    assert.equal(status(sock('own')).pid, pidA);
    b.signal('SIGTERM');
    assert.ok(await b.waitExit(8000), b.dump());
    assert.equal(status(sock('own')).pid, pidA, 'the socket is still the first daemon\'s');
    a.signal('SIGTERM');
    assert.ok(await a.waitExit(8000), a.dump());
  });
});
