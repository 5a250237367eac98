// Operations against running daemons in namespaces: `keepalived-ts status [--json]` over the
// root-only control socket agrees with `ip addr`; --metrics serves keepalived-exporter names and
// never the auth_pass; `ctl drain/undrain` takes a real server's weight to 0 and back, across a
// reload and a restart (--state-file); `ctl maintenance` hands the VIP to the peer and back.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Lab, R1, R2, conf, instanceBlock, labSuite, waitFor, type Daemon } from '../lib/lab.ts';
import type { StatusSnapshot } from '../../src/obs/collect.ts';

const VIP = '10.99.0.100';
const SECRET = 'zq8pass';
const lab = new Lab('katsop');
const daemons = new Map<string, Daemon>();

const vs = `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.99.0.1 8080 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 10.99.0.1 8081 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;

function confFor(prio: number): string {
  return conf(instanceBlock({ priority: prio, version: 2, advert: '1', extra: ['authentication {', `  auth_type PASS`, `  auth_pass ${SECRET}`, '}'] }), vs);
}

const sock = (h: string) => join(lab.dir, `${h}-ctl`, 'control.sock');
const stateFile = (h: string) => join(lab.dir, `${h}-state.json`);

const cli = (host: string, ...args: string[]) => lab.cli(host, ...args);
const status = (host: string) => lab.status(host, sock(host));
const metrics = (host: string, port: number) => lab.metrics(host, port);

function start(host: string, prio: number, extra: string[] = []): Daemon {
  const d = lab.start(host, confFor(prio), ['--control-socket', sock(host), '--state-file', stateFile(host), ...extra]);
  daemons.set(host, d);
  return d;
}

/** The real server's weight in the kernel's IPVS table (`ipvs list -n`), or undefined without IPVS. */
function ipvsWeight(host: string, rs: string): number | undefined {
  const r = cli(host, 'ipvs', 'list', '--exact');
  if (r.code !== 0) return undefined;
  const line = r.out.split('\n').find((l) => l.includes(`-> ${rs}`));
  return line ? Number(line.trim().split(/\s+/)[3]) : undefined;
}

const rsOf = (s: StatusSnapshot, port: number) => s.virtualServers.flatMap((v) => v.realServers).find((r) => r.realServer === `10.99.0.1:${port}`)!;

describe('status, metrics and ctl against running daemons', () => {
  labSuite(lab, [R1, R2], { stopMs: 5000 });
  before(async () => {
    lab.spawnIn('r1', process.execPath, [join(import.meta.dirname, '../../deploy/lab/web.ts'), 'r1', '8080']);
    const d1 = start('r1', 150, ['--metrics', '127.0.0.1:9650']);
    const d2 = start('r2', 100);
    assert.ok(await d1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000), d1.dump());
    assert.ok(await d2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 10_000), d2.dump());
  });

  test('status --json agrees with ip addr on master and backup', async () => {
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP), 5000));
    const s1 = status('r1');
    const s2 = status('r2');
    const i1 = s1.instances[0];
    const i2 = s2.instances[0];
    assert.equal(i1.name, 'VI_1');
    assert.equal(i1.state, 'MASTER');
    assert.equal(i1.state === 'MASTER', lab.hasVip('r1', VIP));
    assert.equal(i2.state, 'BACKUP');
    assert.equal(lab.hasVip('r2', VIP), false);
    assert.equal(i1.basePriority, 150);
    assert.equal(i1.effectivePriority, 150);
    assert.equal(i1.master, '10.99.0.1');
    assert.equal(i2.master, '10.99.0.1');
    assert.equal(i2.masterPriority, 150);
    assert.deepEqual(i1.vips, [`${VIP}/32`]);
    assert.equal(i1.vipsHeld, true);
    assert.equal(i1.lastTransition?.to, 'MASTER');
    assert.ok(i1.lastTransition?.why, 'a reason for the last transition');
    assert.ok(i1.counters.advertsTx > 0);
    assert.ok(i2.counters.advertsRx > 0);
    assert.ok(!JSON.stringify(s1).includes(SECRET), 'auth_pass never appears in status');
  });

  test('status shows real servers up/down with their weight and last probe', async () => {
    assert.ok(
      await waitFor(() => {
        const s = status('r1');
        return rsOf(s, 8080)?.lastProbe?.ok === true && rsOf(s, 8081)?.up === false;
      }, 15_000, 200),
      JSON.stringify(status('r1').virtualServers),
    );
    const s = status('r1');
    assert.equal(rsOf(s, 8080).up, true);
    assert.equal(rsOf(s, 8080).weight, 3);
    assert.equal(rsOf(s, 8081).lastProbe?.ok, false);
    assert.ok(rsOf(s, 8081).lastProbe?.reason, 'a failure reason');
    const text = cli('r1', 'status', '--socket', sock('r1'));
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /VRRP instance VI_1: MASTER/);
    assert.match(text.out, /real server 10\.99\.0\.1:8080: UP weight 3/);
    assert.match(text.out, /real server 10\.99\.0\.1:8081: DOWN/);
  });

  test('the control socket is root-only', () => {
    assert.equal(statSync(sock('r1')).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(sock('r1'))).mode & 0o777, 0o700);
    const r = cli('r1', 'status', '--socket', join(lab.dir, 'nope.sock'));
    assert.equal(r.code, 1);
    assert.match(r.err, /not running/);
  });

  test('--metrics: keepalived-exporter names, real servers, no auth_pass', () => {
    const m = metrics('r1', 9650);
    assert.match(m, /^keepalived_up 1$/m);
    assert.match(m, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10\.99\.0\.100\/32"\} 2$/m);
    assert.match(m, /^keepalived_advert_sent_total\{iname="VI_1"[^}]*\} [1-9]\d*$/m);
    assert.match(m, /^keepalived_ts_vrrp_priority\{[^}]*kind="effective"\} 150$/m);
    assert.match(m, /^keepalived_ts_real_server_up\{virtual_server="tcp:10\.99\.0\.100:80",real_server="10\.99\.0\.1:8080"\} 1$/m);
    assert.match(m, /^keepalived_ts_real_server_weight\{virtual_server="tcp:10\.99\.0\.100:80",real_server="10\.99\.0\.1:8080"\} 3$/m);
    assert.match(m, /^keepalived_ts_advert_dropped_total\{/m);
    assert.ok(!m.includes(SECRET), 'auth_pass never appears in metrics');
    // Off by default: r2 has no --metrics.
    const r = spawnSync('ip', ['netns', 'exec', lab.host('r2').ns, process.execPath, '-e', `fetch('http://127.0.0.1:9650/metrics').then(()=>process.exit(0),()=>process.exit(3))`], { timeout: 20_000 });
    assert.equal(r.status, 3);
  });

  test('ctl drain / undrain: weight 0 and back, persisted across a reload and a restart', async () => {
    let r = cli('r1', 'ctl', 'drain', '10.99.0.1:8080', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    assert.equal(rsOf(status('r1'), 8080).weight, 0);
    assert.equal(rsOf(status('r1'), 8080).drained, true);
    // Where the kernel has IPVS (the VM tier; not every CI kernel), the table agrees.
    if (ipvsWeight('r1', '10.99.0.1:8080') !== undefined) assert.ok(await waitFor(() => ipvsWeight('r1', '10.99.0.1:8080') === 0, 3000));
    assert.deepEqual(JSON.parse(readFileSync(stateFile('r1'), 'utf8')).drained, ['10.99.0.1:8080']);
    // Reload: still drained.
    const d1 = daemons.get('r1')!;
    const before = d1.count(/Reload(ed|ing)/);
    d1.signal('SIGHUP');
    assert.ok(await waitFor(() => d1.count(/Reload(ed|ing)/) > before, 5000), d1.dump());
    assert.ok(await waitFor(() => rsOf(status('r1'), 8080).weight === 0, 3000), JSON.stringify(status('r1').virtualServers));
    // Restart (r2 takes over meanwhile; r1 preempts back): still drained.
    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(8000), d1.dump());
    const d1b = start('r1', 150, ['--metrics', '127.0.0.1:9650']);
    assert.ok(await d1b.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000), d1b.dump());
    assert.ok(await waitFor(() => existsSync(sock('r1')), 5000));
    assert.equal(rsOf(status('r1'), 8080).weight, 0);
    assert.match(metrics('r1', 9650), /^keepalived_ts_real_server_weight\{[^}]*real_server="10\.99\.0\.1:8080"\} 0$/m);
    r = cli('r1', 'ctl', 'undrain', '10.99.0.1:8080', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    assert.equal(rsOf(status('r1'), 8080).weight, 3);
    if (ipvsWeight('r1', '10.99.0.1:8080') !== undefined) assert.ok(await waitFor(() => ipvsWeight('r1', '10.99.0.1:8080') === 3, 3000));
    assert.deepEqual(JSON.parse(readFileSync(stateFile('r1'), 'utf8')).drained, []);
    r = cli('r1', 'ctl', 'drain', '10.99.0.7:1', '--socket', sock('r1'));
    assert.equal(r.code, 1);
    assert.match(r.err, /no real server/);
  });

  test('ctl schedule: a cron window drains a real server, then restores it', async () => {
    let r = cli('r1', 'ctl', 'schedule', 'add', 'drain', '10.99.0.1:8080', '*/3 * * * * *', '1', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    const id = (JSON.parse(r.out) as { id: string }).id;
    assert.ok(await waitFor(() => rsOf(status('r1'), 8080).weight === 0, 8000, 50), 'drained by the window');
    assert.ok(await waitFor(() => rsOf(status('r1'), 8080).weight === 3, 8000, 50), 'restored after the window');
    assert.equal(JSON.parse(readFileSync(stateFile('r1'), 'utf8')).schedules.length, 1);
    r = cli('r1', 'ctl', 'schedule', 'del', id, '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(readFileSync(stateFile('r1'), 'utf8')).schedules.length, 0);
    r = cli('r1', 'ctl', 'schedule', 'add', 'drain', '10.99.0.1:8080', 'not cron', '1', '--socket', sock('r1'));
    assert.equal(r.code, 1);
    assert.match(r.err, /invalid cron/);
  });

  test('ctl maintenance on hands the VIP to the peer; off takes it back', async () => {
    let r = cli('r1', 'ctl', 'maintenance', 'VI_1', 'on', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP) && !lab.hasVip('r1', VIP), 10_000), daemons.get('r1')!.dump());
    const s = status('r1').instances[0];
    assert.equal(s.maintenance, true);
    assert.equal(s.state, 'BACKUP');
    assert.ok(s.effectivePriority < 100, `effective priority ${s.effectivePriority}`);
    assert.equal(s.basePriority, 150);
    assert.equal(status('r2').instances[0].state, 'MASTER');
    r = cli('r1', 'ctl', 'maintenance', 'VI_1', 'off', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP) && !lab.hasVip('r2', VIP), 10_000), daemons.get('r1')!.dump());
    assert.equal(status('r1').instances[0].effectivePriority, 150);
  });
});
