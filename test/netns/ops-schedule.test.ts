// Scheduled windows written in the configuration, against running daemons in namespaces:
// `drain_schedule` inside a real_server takes its weight to 0 when the cron expression fires and
// back after `duration`; `maintenance_schedule` (global_defs form, naming the instance) hands the
// VIP to the peer for the window; both show in `status`; `ctl schedule del` refuses them; a
// SIGHUP with a file without them cancels them. Also here, on the same daemons: the JSON dump
// (`ctl dump json`, keepalived's SIGRTMIN+2 shape), the stats dump's drop reasons, and the probe
// duration histograms on --metrics. Waits are bounded polls; nothing asserts on timing.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, R1, R2, conf, instanceBlock, labSuite, waitFor, type Daemon } from '../lib/lab.ts';
import type { StatusSnapshot } from '../../src/obs/collect.ts';

const VIP = '10.99.0.100';
const lab = new Lab('katssch');
const daemons = new Map<string, Daemon>();

const vs = (schedule: boolean) => `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.99.0.1 8080 {
    weight 3
${schedule ? '    drain_schedule "*/4 * * * * *" duration 2\n' : ''}    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;

function confFor(prio: number, schedules: boolean): string {
  const text = conf(instanceBlock({ priority: prio, version: 3, advert: '0.1' }), vs(schedules && prio > 100));
  // global_defs form: the instance is named. Every 10 s, a 4 s window (only on r1).
  return schedules && prio > 100 ? text.replace('  router_id kats\n', '  router_id kats\n  maintenance_schedule VI_1 "*/10 * * * * *" duration 4\n') : text;
}

const sock = (h: string) => join(lab.dir, `${h}-ctl`, 'control.sock');

const cli = (host: string, ...args: string[]) => lab.cli(host, ...args);
const status = (host: string) => lab.status(host, sock(host));
const metrics = (host: string, port: number) => lab.metrics(host, port);

const rs8080 = (s: StatusSnapshot) => s.virtualServers.flatMap((v) => v.realServers).find((r) => r.realServer === '10.99.0.1:8080');

describe('schedules in the configuration, dumps and probe histograms', () => {
  labSuite(lab, [R1, R2], { stopMs: 5000 });
  before(async () => {
    lab.spawnIn('r1', process.execPath, [join(import.meta.dirname, '../../deploy/lab/web.ts'), 'r1', '8080']);
    const d1 = lab.start('r1', confFor(150, true), ['--control-socket', sock('r1'), '--dump-dir', lab.dir, '--metrics', '127.0.0.1:9651']);
    const d2 = lab.start('r2', confFor(100, true), ['--control-socket', sock('r2')]);
    daemons.set('r1', d1);
    daemons.set('r2', d2);
    assert.ok(await d1.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000), d1.dump());
    assert.ok(await d2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 15_000), d2.dump());
    assert.ok(await waitFor(() => existsSync(sock('r1')), 5000));
  });

  test('status lists the configured schedules with their file:line; ctl schedule del refuses them', () => {
    const s = status('r1');
    const sch = s.schedules ?? [];
    const drain = sch.find((e) => e.kind === 'drain');
    const maint = sch.find((e) => e.kind === 'maintenance');
    assert.ok(drain && maint, JSON.stringify(sch));
    assert.equal(drain.target, `tcp:${VIP}:80/10.99.0.1:8080`);
    assert.equal(drain.cron, '*/4 * * * * *');
    assert.equal(drain.durationS, 2);
    assert.match(drain.source ?? '', /r1-\d+\.conf:\d+$/);
    assert.equal(maint.target, 'VI_1');
    const text = cli('r1', 'status', '--socket', sock('r1'));
    assert.match(text.out, /schedule cfg-[0-9a-f]{8}: drain tcp:10\.99\.0\.100:80\/10\.99\.0\.1:8080 at '\*\/4 \* \* \* \* \*' for 2 s \(configured at /);
    const del = cli('r1', 'ctl', 'schedule', 'del', drain.id, '--socket', sock('r1'));
    assert.equal(del.code, 1);
    assert.match(del.err, /written in the configuration/);
    assert.deepEqual(status('r2').schedules, [], 'r2 has none');
  });

  test('drain_schedule: the window drains the real server, then restores its weight', async () => {
    assert.ok(await waitFor(() => rs8080(status('r1'))?.up === true, 10_000, 100), 'the real server is up first');
    assert.ok(await waitFor(() => rs8080(status('r1'))?.weight === 0, 10_000, 50), 'drained by the window');
    assert.equal(rs8080(status('r1'))?.drained, true);
    assert.ok(await waitFor(() => rs8080(status('r1'))?.weight === 3, 10_000, 50), 'restored after the window');
  });

  test('maintenance_schedule: the window hands the VIP to the peer, then r1 takes it back', async () => {
    const d1 = daemons.get('r1')!;
    assert.ok(await waitFor(() => status('r1').instances[0].maintenance === true, 15_000, 50), d1.dump());
    assert.ok(await waitFor(() => lab.hasVip('r2', VIP) && !lab.hasVip('r1', VIP), 10_000), d1.dump());
    assert.ok(status('r1').instances[0].effectivePriority < 100);
    assert.ok(await waitFor(() => status('r1').instances[0].maintenance === false, 10_000, 50));
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP) && !lab.hasVip('r2', VIP), 10_000), d1.dump());
  });

  test('ctl dump json: keepalived.json in keepalived\'s shape; ctl dump stats: every drop reason', () => {
    const r = cli('r1', 'ctl', 'dump', 'json', '--socket', sock('r1'));
    assert.equal(r.code, 0, r.err);
    const path = (JSON.parse(r.out) as { path: string }).path;
    assert.equal(path, join(lab.dir, 'keepalived.json'));
    const j = JSON.parse(readFileSync(path, 'utf8')) as { data: Record<string, unknown>; stats: Record<string, number> }[];
    assert.equal(j.length, 1);
    const { data, stats } = j[0];
    assert.equal(data.iname, 'VI_1');
    assert.equal(data.vrid, 51);
    assert.equal(data.base_priority, 150);
    assert.equal(typeof data.effective_priority, 'number');
    assert.ok(data.state === 2 || data.state === 1, `state ${data.state}`);
    assert.equal(data.ifp_ifname, 'eth0');
    assert.deepEqual(data.vips, [`${VIP}/32 dev eth0`]);
    assert.equal(data.version, 3);
    assert.ok(!('auth_data' in data), 'no password in the dump');
    assert.ok(stats.advert_sent > 0);
    for (const k of ['advert_rcvd', 'become_master', 'release_master', 'packet_len_err', 'ip_ttl_err', 'pri_zero_rcvd', 'pri_zero_sent']) assert.equal(typeof stats[k], 'number', k);
    const ts = data.keepalived_ts as { state: string; drops: Record<string, number>; trackers: unknown[] };
    assert.ok(ts.state === 'MASTER' || ts.state === 'BACKUP');
    assert.equal(typeof ts.drops.checksum, 'number');
    const st = cli('r1', 'ctl', 'dump', 'stats', '--socket', sock('r1'));
    assert.equal(st.code, 0, st.err);
    const stats2 = readFileSync(join(lab.dir, 'keepalived.stats'), 'utf8');
    assert.match(stats2, /^VRRP Instance: VI_1$/m);
    assert.match(stats2, /^ {2}Dropped adverts by reason \(keepalived-ts\):$/m);
    assert.match(stats2, /^ {4}checksum: \d+ \(not in the counters above\)$/m);
    assert.match(stats2, /^ {4}unicast_src: \d+/m);
    assert.equal(cli('r1', 'ctl', 'dump', 'nope', '--socket', sock('r1')).code, 2);
  });

  test('--metrics: probe duration histograms by check kind and by check', async () => {
    const re = /^keepalived_ts_check_duration_seconds_count\{checker="TCP_CHECK"\} (\d+)$/m;
    assert.ok(await waitFor(() => Number(re.exec(metrics('r1', 9651))?.[1] ?? 0) >= 2, 10_000, 200));
    const m = metrics('r1', 9651);
    assert.match(m, /^# TYPE keepalived_ts_check_duration_seconds histogram$/m);
    const count = Number(re.exec(m)![1]);
    const inf = Number(/^keepalived_ts_check_duration_seconds_bucket\{checker="TCP_CHECK",le="\+Inf"\} (\d+)$/m.exec(m)?.[1]);
    assert.equal(inf, count, '+Inf bucket = count');
    assert.match(m, /^keepalived_ts_check_duration_seconds_sum\{checker="TCP_CHECK"\} [0-9.e-]+$/m);
    assert.match(m, /^keepalived_ts_real_server_check_duration_seconds_count\{virtual_server="tcp:10\.99\.0\.100:80",real_server="10\.99\.0\.1:8080",checker="TCP_CHECK",check="0"\} [1-9]\d*$/m);
    // Buckets are cumulative: never decreasing with `le`.
    const buckets = [...m.matchAll(/^keepalived_ts_check_duration_seconds_bucket\{checker="TCP_CHECK",le="[^"]+"\} (\d+)$/gm)].map((x) => Number(x[1]));
    assert.ok(buckets.length > 5);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], buckets.join(','));
  });

  test('SIGHUP with the schedules removed cancels them', async () => {
    const d1 = daemons.get('r1')!;
    writeFileSync(d1.conf, confFor(150, false));
    const before = d1.count(/Reload done/);
    d1.signal('SIGHUP');
    assert.ok(await d1.waitLine(/Reload done/, 10_000, before + 1), d1.dump());
    assert.ok(await waitFor(() => (status('r1').schedules ?? []).length === 0, 5000, 50), JSON.stringify(status('r1').schedules));
    // No window opens any more: across more than one former period the weight stays, the
    // instance stays out of maintenance.
    assert.ok(await waitFor(() => rs8080(status('r1'))?.weight === 3 && !status('r1').instances[0].maintenance, 10_000, 50));
    const deadline = Date.now() + 11_000;
    while (Date.now() < deadline) {
      const s = status('r1');
      assert.equal(rs8080(s)?.weight, 3);
      assert.equal(s.instances[0].maintenance, false);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
});
