import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../../../src/lib/clock.ts';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';
import { warmupDelayMs } from '../../../src/scheduler/risefall.ts';
import { probeScript, pidAlive } from '../../../checks/script.ts';
import type { ProbeResult } from '../../../checks/types.ts';
import { advance, captureLogger, clockProbe, okResult, flush } from './helpers.ts';

test('runs start on schedule without drift, even when each run takes time', async () => {
  const clock = new ManualClock(0);
  const starts: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, due, start) => starts.push(start - due === 0 ? start : -start) });
  s.add({ id: 'a', intervalMs: 1000, firstDelayMs: 0, timeoutMs: 5000, run: clockProbe(clock, 370, okResult) });
  await advance(clock, 5500);
  assert.deepEqual(starts, [0, 1000, 2000, 3000, 4000, 5000]);
  await s.stop();
});

test('a run due while the previous one is still going is skipped, counted and logged', async () => {
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const starts: number[] = [];
  const s = new Scheduler({ clock, logger, onRunStart: (_id, _due, start) => starts.push(start) });
  s.add({ id: 'vrrp_script:chk', name: 'chk', intervalMs: 1000, timeoutMs: 10_000, run: clockProbe(clock, 2500, okResult) });
  await advance(clock, 3500);
  assert.deepEqual(starts, [0, 3000]);
  assert.equal(s.stats('vrrp_script:chk')?.skipped, 2);
  await flush();
  assert.deepEqual(lines.filter((l) => l.includes('skipping')), [
    'Track script chk is already running, expect idle - skipping run',
    'Track script chk is already running, expect idle - skipping run',
  ]);
  await s.stop();
});

test('the per-probe ceiling aborts the probe with a timeout; skips during it say "being timed out"', async () => {
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const results: ProbeResult[] = [];
  const s = new Scheduler({ clock, logger });
  // the probe ignores its first abort for 1500 ms (like a script in its kill grace period)
  s.add({
    id: 'x',
    name: 'slow',
    intervalMs: 1000,
    timeoutMs: 600,
    run: (signal) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => clock.setTimer(1500, () => resolve({ ok: false, reason: 'timeout', detail: String((signal.reason as Error).name), durationMs: 0 })), { once: true });
      }),
    onResult: (r) => void results.push(r),
  });
  await advance(clock, 2200);
  assert.equal(results.length, 1);
  assert.equal(results[0].reason, 'timeout');
  assert.equal(results[0].detail, 'TimeoutError');
  assert.equal(s.stats('x')?.timeouts, 1);
  await flush();
  assert.ok(lines.includes('Track script slow is being timed out, expect idle - skipping run'), lines.join('\n'));
  await s.stop();
});

test('maxConcurrent bounds probes in flight; queued runs start late, in order', async () => {
  const clock = new ManualClock(0);
  const late: Record<string, number> = {};
  const s = new Scheduler({ clock, maxConcurrent: 1, onRunStart: (id, due, start) => void (late[id] ??= start - due) });
  let maxInFlight = 0;
  for (const id of ['a', 'b', 'c']) {
    s.add({
      id,
      intervalMs: 10_000,
      timeoutMs: 5000,
      run: (signal) => {
        maxInFlight = Math.max(maxInFlight, s.inFlight);
        return clockProbe(clock, 100, okResult)(signal);
      },
    });
  }
  await advance(clock, 400);
  assert.equal(maxInFlight, 1);
  assert.deepEqual(late, { a: 0, b: 100, c: 200 });
  await s.stop();
});

test('directives: retry after delayMs, then a new interval anchored on that run', async () => {
  const clock = new ManualClock(0);
  const starts: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, _due, start) => starts.push(start) });
  let n = 0;
  s.add({
    id: 'r',
    intervalMs: 1000,
    timeoutMs: 5000,
    run: clockProbe(clock, 50, okResult),
    onResult: () => {
      n++;
      if (n === 2) return { delayMs: 300 }; // run 2 (at 1000) ends at 1050 -> retry at 1350
      if (n === 3) return { intervalMs: 500 }; // then every 500 from the retry's due time
      return undefined;
    },
  });
  await advance(clock, 3000);
  assert.deepEqual(starts, [0, 1000, 1350, 1850, 2350, 2850]);
  await s.stop();
});

test('remove and stop abort in-flight probes and run nothing afterwards', async () => {
  const clock = new ManualClock(0);
  const results: string[] = [];
  const s = new Scheduler({ clock });
  let runs = 0;
  const probe = clockProbe(clock, 10_000, okResult);
  s.add({ id: 'a', intervalMs: 1000, timeoutMs: 60_000, run: (sig) => (runs++, probe(sig).then((r) => (results.push(`a:${r.reason}`), r))) });
  s.add({ id: 'b', intervalMs: 1000, timeoutMs: 60_000, run: (sig) => (runs++, probe(sig).then((r) => (results.push(`b:${r.reason}`), r))) });
  await advance(clock, 100);
  await s.remove('a');
  assert.deepEqual(results, ['a:aborted']);
  await s.stop();
  assert.deepEqual(results, ['a:aborted', 'b:aborted']);
  const before = runs;
  await advance(clock, 5000);
  assert.equal(runs, before);
  assert.throws(() => s.add({ id: 'c', intervalMs: 1, timeoutMs: 1, run: probe }));
});

test('warmup: first run at 1 s + random(0..warmup)', () => {
  assert.equal(warmupDelayMs(4000, () => 0), 1000);
  assert.equal(warmupDelayMs(4000, () => 0.5), 3000);
  assert.equal(warmupDelayMs(0, () => 0.9), 1000);
});

test('real clock + real scripts: overlapping runs are skipped and stop() leaves no process behind', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kats-sched-'));
  const pidFile = join(d, 'pids');
  const { logger, lines } = captureLogger();
  const s = new Scheduler({ logger });
  const script = join(import.meta.dirname, '..', '..', 'fixtures', 'scripts', 'hang-tree.sh');
  try {
    s.add({ id: 'chk', name: 'chk', intervalMs: 100, timeoutMs: 30_000, run: (signal) => probeScript([script, pidFile], { timeoutMs: 30_000, graceMs: 200 }, signal) });
    for (let i = 0; i < 100 && (s.stats('chk')?.skipped ?? 0) < 2; i++) await sleep(20);
    assert.ok((s.stats('chk')?.skipped ?? 0) >= 2);
    await s.stop();
    assert.ok(lines.includes('Track script chk is already running, expect idle - skipping run'));
    assert.ok(existsSync(pidFile));
    const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    for (let i = 0; i < 60 && pids.some(pidAlive); i++) await sleep(50);
    assert.deepEqual(pids.filter(pidAlive), []);
  } finally {
    await s.stop();
    rmSync(d, { recursive: true, force: true });
  }
});

test('coalesceMs rounds wake-ups up to a grid; lateness stays within it and cadence keeps the exact dues', async () => {
  const clock = new ManualClock(0);
  const seen: Array<[number, number]> = [];
  const s = new Scheduler({ clock, coalesceMs: 10, onRunStart: (_id, due, start) => seen.push([due, start]) });
  s.add({ id: 'a', intervalMs: 1003, firstDelayMs: 3, timeoutMs: 500, run: clockProbe(clock, 1, okResult) });
  await advance(clock, 2100, 1);
  await s.stop();
  assert.deepEqual(seen, [
    [3, 10],
    [1006, 1010],
    [2009, 2010],
  ]);
});

test("'completion' cadence (real-server checkers): the next run is armed when the previous ends, never skipped", async () => {
  // A dead server whose probe takes connect_timeout (3000) >= delay_loop (2000): keepalived's
  // checkers re-arm after completion, so every run happens, end + delay_loop apart.
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const seen: Array<[number, number]> = [];
  const s = new Scheduler({ clock, logger, onRunStart: (_id, due, start) => seen.push([due, start]) });
  let n = 0;
  s.add({
    id: 'rs',
    name: 'HTTP_CHECK [10.0.0.1]:tcp:80',
    intervalMs: 2000,
    cadence: 'completion',
    firstDelayMs: 1000,
    timeoutMs: 10_000,
    run: clockProbe(clock, 3000, okResult),
    // the third result asks for a retry after 500 ms (delay_before_retry)
    onResult: () => (++n === 3 ? { delayMs: 500 } : undefined),
  });
  await advance(clock, 20_000, 50);
  assert.equal(s.stats('rs')?.skipped, 0);
  await s.stop();
  await flush();
  // 1000 (ends 4000) -> 6000 (ends 9000) -> 11000 (ends 14000) -> retry 14500 (ends 17500) -> 19500
  assert.deepEqual(seen, [
    [1000, 1000],
    [6000, 6000],
    [11000, 11000],
    [14500, 14500],
    [19500, 19500],
  ]);
  assert.deepEqual(lines.filter((l) => l.includes('skipping')), []);
});

test("'completion' cadence: an interval directive (fastinter / downinter) applies from the run's end", async () => {
  const clock = new ManualClock(0);
  const starts: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, _due, start) => starts.push(start) });
  let n = 0;
  s.add({ id: 'c', intervalMs: 1000, cadence: 'completion', timeoutMs: 5000, run: clockProbe(clock, 100, okResult), onResult: () => (++n === 2 ? { intervalMs: 300 } : undefined) });
  await advance(clock, 2500, 10);
  await s.stop();
  // 0 (ends 100) -> 1100 (ends 1200, switches to 300) -> 1500 -> 1900 -> 2300
  assert.deepEqual(starts, [0, 1100, 1500, 1900, 2300]);
});

test("'fixed' cadence keeps its dues exact however long each run takes (no drift over 100 runs)", async () => {
  const clock = new ManualClock(0);
  const dues: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, due, start) => (dues.push(due), assert.equal(start, due)) });
  s.add({ id: 'v', intervalMs: 250, firstDelayMs: 7, timeoutMs: 5000, run: clockProbe(clock, 137, okResult) });
  await advance(clock, 100 * 250, 50);
  await s.stop();
  assert.equal(dues.length, 100);
  dues.forEach((d, i) => assert.equal(d, 7 + i * 250));
});

test('triggerNow on a completion-cadence check runs it at once and re-arms from its end', async () => {
  const clock = new ManualClock(0);
  const starts: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, _due, start) => starts.push(start) });
  s.add({ id: 't', intervalMs: 1000, cadence: 'completion', firstDelayMs: 1000, timeoutMs: 5000, run: clockProbe(clock, 10, okResult) });
  await advance(clock, 300, 10);
  assert.equal(s.triggerNow('t'), true);
  await advance(clock, 1500, 10);
  await s.stop();
  // the 1000 run was replaced by the triggered one at 300 (ends 310) -> 1310
  assert.deepEqual(starts, [300, 1310]);
});
