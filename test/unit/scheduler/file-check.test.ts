// FILE_CHECK in a real server (keepalived check_file.c / track_file.c): the tracked file's value
// takes the checker down (weight 0: non-zero value; reverse: zero value) or adds value x weight to
// the real server's weight; the file is watched and re-read when it changes. Real files, real
// fs.watch, the real Scheduler and the real config loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';
import { CheckerMonitor } from '../../../src/scheduler/monitors.ts';
import { RealServerHealth, type RealServerEvent } from '../../../src/scheduler/realserver.ts';
import { fileCheckStatus } from '../../../src/scheduler/track.ts';
import { checkerMonitorOptions, fileCheckSpec } from '../../../src/scheduler/from-model.ts';
import type { Checker, TrackFile } from '../../../src/config/model.ts';
import { load } from '../config/helpers.ts';
import { captureLogger } from './helpers.ts';

test('fileCheckStatus: weight 0 faults on non-zero (reverse: on zero); otherwise value x weight is added', () => {
  assert.deepEqual(fileCheckStatus(0, { weight: 0 }), { down: false, delta: 0 });
  assert.deepEqual(fileCheckStatus(3, { weight: 0 }), { down: true, delta: 0 });
  assert.deepEqual(fileCheckStatus(0, { weight: 0, reverse: true }), { down: true, delta: 0 });
  assert.deepEqual(fileCheckStatus(-1, { weight: 0, reverse: true }), { down: false, delta: 0 });
  assert.deepEqual(fileCheckStatus(5, { weight: 2 }), { down: false, delta: 10 });
  assert.deepEqual(fileCheckStatus(5, { weight: 2, reverse: true }), { down: false, delta: -10 });
  assert.deepEqual(fileCheckStatus(0, { weight: -3 }), { down: false, delta: 0 });
  // only a product at or below INT32_MIN (IPVS_WEIGHT_FAULT) takes a weighted checker down
  assert.deepEqual(fileCheckStatus(-2147483648, { weight: 1 }), { down: true, delta: 0 });
  assert.deepEqual(fileCheckStatus(-1000, { weight: 1000 }), { down: false, delta: -1_000_000 });
  assert.deepEqual(fileCheckStatus(2147483647, { weight: 2 }), { down: false, delta: 2147483647 });
});

test('RealServerHealth: checker weights add up (keepalived cur_weight) and never take the weight below 0', () => {
  const rs = new RealServerHealth({ weight: 10, checkers: [{ id: 'f1' }, { id: 'f2' }, { id: 'misc' }] });
  rs.setWeightDelta('f1', 5);
  rs.setWeightDelta('f2', -3);
  assert.equal(rs.weight, 12);
  rs.setDynamicWeight('misc', 20); // one misc_dynamic alone would set 20: its delta is +10
  assert.equal(rs.weight, 22);
  rs.setChecker('f1', false); // a down checker's weight goes with it
  assert.equal(rs.alive, false);
  rs.setChecker('f1', true);
  assert.equal(rs.weight, 17);
  rs.setWeightDelta('f2', -100);
  assert.equal(rs.weight, 0);
});

const tf = (path: string, over: Partial<TrackFile> = {}): TrackFile => ({ file: 't', line: 1, name: 'fc', path, weight: 1, weightReverse: false, ...over });
const fileChecker = (kept: Array<[string, string[]]>): Checker => ({
  file: 'test.conf',
  line: 7,
  type: 'FILE_CHECK',
  delayLoopMs: 60_000,
  connectTimeoutMs: 5000,
  retry: 1,
  delayBeforeRetryMs: 1000,
  warmupMs: 60_000,
  alpha: false,
  kept: kept.map(([keyword, args]) => ({ keyword, args, file: 'test.conf', line: 8 })),
});

test('fileCheckSpec: the checker weight overrides the track_file one; errors name what is wrong', () => {
  const files = [tf('/x', { weight: 3, weightReverse: true })];
  assert.deepEqual(fileCheckSpec(fileChecker([['track_file', ['fc']]]), files), { file: files[0], weight: 3, reverse: true });
  assert.deepEqual(fileCheckSpec(fileChecker([['track_file', ['fc']], ['weight', ['-7']]]), files), { file: files[0], weight: -7, reverse: false });
  assert.deepEqual(fileCheckSpec(fileChecker([['track_file', ['fc']], ['weight', ['0', 'reverse']]]), files), { file: files[0], weight: 0, reverse: true });
  assert.match((fileCheckSpec(fileChecker([['track_file', ['nope']]]), files) as { unsupported: string }).unsupported, /track_file nope not found/);
  assert.match((fileCheckSpec(fileChecker([]), files) as { unsupported: string }).unsupported, /no track_file/);
  assert.match((fileCheckSpec(fileChecker([['track_file', ['fc']], ['weight', ['x']]]), files) as { unsupported: string }).unsupported, /weight 'x'/);
  assert.match((fileCheckSpec(fileChecker([['track_file', ['fc']], ['weight', ['2', 'sideways']]]), files) as { unsupported: string }).unsupported, /unknown weight option/);
});

/** Waits until `cond` holds (bounded). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(20);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** A FILE_CHECK monitor from a checker and track_file, wired as src/lvs/health.ts wires checkers. */
function wire(c: Checker, files: TrackFile[], rsWeight: number, alpha = false) {
  const { logger, lines } = captureLogger();
  const opts = checkerMonitorOptions('rs|0', c, { rs: { address: '10.0.0.5', port: 80, weight: rsWeight }, vs: '[10.0.0.1]:tcp:80', globals: { trackFiles: files } });
  if ('unsupported' in opts) throw new Error(opts.unsupported);
  const health = new RealServerHealth({ weight: rsWeight, checkers: [{ id: 'rs|0', alpha }] });
  const events: RealServerEvent[] = [];
  health.on((e) => events.push(e));
  const mon = new CheckerMonitor({ ...opts, logger, onChange: (up) => health.setChecker('rs|0', up), onWeight: (w) => health.setDynamicWeight('rs|0', w) });
  return { mon, health, events, lines };
}

test('weight 0: the server is down while the file holds a non-zero number; changes are seen without waiting for a poll', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kats-filecheck-'));
  const s = new Scheduler();
  try {
    const path = join(d, 'maint');
    writeFileSync(path, '1\n');
    const { mon, health, events, lines } = wire(fileChecker([['track_file', ['fc']], ['weight', ['0']]]), [tf(path)], 1);
    s.add(mon.job()); // reads the file at once, as keepalived does at load
    assert.equal(health.alive, false);
    assert.deepEqual(events, [{ type: 'down', weight: 1 }]);
    writeFileSync(path, '0\n');
    await until(() => health.alive, 'up after writing 0');
    // an atomic replace (rename), as configuration tools write files
    writeFileSync(join(d, 'maint.tmp'), '7\n');
    renameSync(join(d, 'maint.tmp'), path);
    await until(() => !health.alive, 'down after the rename');
    unlinkSync(path); // a deleted file reads as 0
    await until(() => health.alive, 'up after delete');
    assert.deepEqual(events.map((e) => e.type), ['down', 'up', 'down', 'up']);
    assert.ok(lines.includes('([10.0.0.5]:tcp:80): tracked file fc now FAULT state'), lines.join('\n'));
    assert.ok(lines.includes('([10.0.0.5]:tcp:80): tracked file fc leaving FAULT state'), lines.join('\n'));
  } finally {
    await s.stop();
    rmSync(d, { recursive: true, force: true });
  }
});

test('weight N: value x N is added to the real server weight; reverse subtracts; garbage reads as 0', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kats-filecheck-'));
  const s = new Scheduler();
  try {
    const path = join(d, 'w');
    writeFileSync(path, '3\n');
    const { mon, health, events } = wire(fileChecker([['track_file', ['fc']], ['weight', ['2']]]), [tf(path)], 10);
    s.add(mon.job());
    assert.equal(health.weight, 16); // 10 + 3 x 2, from the start
    assert.equal(health.alive, true);
    writeFileSync(path, '-2\n');
    await until(() => health.weight === 6, 'weight 6');
    writeFileSync(path, 'not a number\n');
    await until(() => health.weight === 10, 'weight back to 10');
    writeFileSync(path, '-50\n'); // 10 - 100 clamps at 0, still alive (drained), as keepalived
    await until(() => health.weight === 0, 'weight 0');
    assert.equal(health.alive, true);
    assert.deepEqual(events, [
      { type: 'weight', from: 10, to: 16, alive: true },
      { type: 'weight', from: 16, to: 6, alive: true },
      { type: 'weight', from: 6, to: 10, alive: true },
      { type: 'weight', from: 10, to: 0, alive: true },
    ]);
    const rev = wire(fileChecker([['track_file', ['fc']], ['weight', ['5', 'reverse']]]), [tf(path)], 100);
    writeFileSync(path, '4\n');
    s.add({ ...rev.mon.job(), id: 'rev' });
    assert.equal(rev.health.weight, 80);
  } finally {
    await s.stop();
    rmSync(d, { recursive: true, force: true });
  }
});

test('a file checker clears alpha: the first read decides, whether the server started down or not', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kats-filecheck-'));
  try {
    const path = join(d, 'ok');
    writeFileSync(path, '0');
    const { mon, health } = wire(fileChecker([['track_file', ['fc']], ['weight', ['0']]]), [tf(path)], 1, true);
    assert.equal(health.alive, false); // alpha in the wiring
    mon.job();
    assert.equal(health.alive, true);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('from keepalived.conf: FILE_CHECK is a supported checker; without track_file it is refused with its line', () => {
  const conf = (body: string) => `track_file fc {\n  file /run/kats-fc\n  weight 4\n}\nvirtual_server 192.0.2.70 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.70.0.2 80 {\n    FILE_CHECK {\n${body}\n    }\n  }\n}\n`;
  const ok = load(conf('      track_file fc\n      weight 0 reverse'));
  assert.deepEqual(ok.diagnostics.filter((x) => x.severity === 'error'), []);
  const c = ok.model!.virtualServers[0].realServers[0].checkers[0];
  assert.equal(c.type, 'FILE_CHECK');
  assert.deepEqual(fileCheckSpec(c, ok.model!.trackFiles), { file: ok.model!.trackFiles[0], weight: 0, reverse: true });
  const inherited = load(conf('      track_file fc'));
  assert.deepEqual(fileCheckSpec(inherited.model!.virtualServers[0].realServers[0].checkers[0], inherited.model!.trackFiles), { file: inherited.model!.trackFiles[0], weight: 4, reverse: false });
  const bad = load(conf('      weight 2'));
  assert.ok(bad.diagnostics.some((x) => x.severity === 'error' && x.line === 10 && /FILE_CHECK has no track_file/.test(x.message)), JSON.stringify(bad.diagnostics));
});
