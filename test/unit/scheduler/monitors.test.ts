import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';
import { ScriptTracker, CheckerMonitor, scriptFailureText, activatingLine, downLine, successLine, failureDetailLine } from '../../../src/scheduler/monitors.ts';
import { RealServerHealth, type RealServerEvent } from '../../../src/scheduler/realserver.ts';
import { effectiveTrackState } from '../../../src/scheduler/track.ts';
import { fmtTrio, type ProbeResult } from '../../../checks/types.ts';
import { probeTcp } from '../../../checks/tcp.ts';
import { advance, captureLogger, clockProbe, okResult, flush } from './helpers.ts';
import { silentServer } from '../checks/servers.ts';

/** A target whose health is a function of clock time. */
function flapping(clock: ManualClock, upAt: (t: number) => boolean, exitCode = 1) {
  return clockProbe(clock, 10, () => {
    const t = clock.now();
    return upAt(t) ? { ...okResult(), exitCode: 0 } : { ok: false, reason: 'exit', detail: `exited with status ${exitCode}`, exitCode, durationMs: 0 };
  });
}

test('a flapping vrrp_script through rise/fall with fastinter (ManualClock)', async () => {
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const starts: number[] = [];
  const s = new Scheduler({ clock, logger, onRunStart: (_id, _due, start) => starts.push(start) });
  const changes: Array<[number, boolean]> = [];
  // up until 5000, down 5000..9000 with a blip up at ~6000, up again from 9000
  const up = (t: number) => t < 5000 || (t >= 6000 && t < 6300) || t >= 9000;
  const tracker = new ScriptTracker({
    name: 'chk_web',
    rise: 2,
    fall: 3,
    intervalMs: 1000,
    fastInterMs: 250,
    probe: flapping(clock, up),
    logger,
    onChange: (ok) => changes.push([clock.now(), ok]),
  });
  s.add(tracker.job());
  await advance(clock, 12_000);
  await s.stop();
  await flush();
  // runs: 0 (up) ... 5000 fail -> fastinter 250 -> 5250, 5500 -> down at 5500; back to 1000
  // cadence from there; 6500 fail; ... 9500 success -> rise in progress -> 9750 -> up
  assert.deepEqual(changes, [
    [10, true],
    [5510, false],
    [9760, true],
  ]);
  assert.deepEqual(
    starts.filter((t) => t >= 4000 && t <= 10_500),
    [4000, 5000, 5250, 5500, 6500, 7500, 8500, 9500, 9750, 10_750].filter((t) => t <= 10_500),
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith('VRRP_Script') || l.startsWith('Script')),
    ['Script `chk_web` now returning 0', 'VRRP_Script(chk_web) succeeded', 'Script `chk_web` now returning 1', 'VRRP_Script(chk_web) failed (exited with status 1)', 'Script `chk_web` now returning 0', 'VRRP_Script(chk_web) succeeded'],
  );
  // the wiring's view
  assert.deepEqual(effectiveTrackState(tracker.ok, { weight: -20 }), { fault: false, delta: 0 });
});

test('checker lines as keepalived 2.x writes them', () => {
  const svc = fmtTrio('192.168.1.10', 80);
  const r = { ok: false, reason: 'status', detail: '', durationMs: 0 } as const;
  assert.equal(activatingLine(svc, fmtTrio('10.0.0.1', 80)), 'Activating healthchecker for service [192.168.1.10]:tcp:80 for VS [10.0.0.1]:tcp:80');
  assert.equal(successLine({ kind: 'HTTP', service: svc }, { ...r, ok: true, reason: 'ok' }), 'Remote Web server [192.168.1.10]:tcp:80 succeed on service.');
  assert.equal(downLine({ kind: 'HTTP', service: svc, retry: 3 }, r, 3), 'HTTP_CHECK on service [192.168.1.10]:tcp:80 failed after 3 retries.');
  assert.equal(downLine({ kind: 'SSL', service: svc, retry: 0 }, r, 0), 'SSL_CHECK on service [192.168.1.10]:tcp:80 failed.');
  assert.equal(downLine({ kind: 'TCP', service: svc, retry: 3 }, r, 3), 'TCP_CHECK on service [192.168.1.10]:tcp:80 failed after 3 retries.');
  assert.equal(failureDetailLine({ kind: 'HTTP', service: svc }, r), 'HTTP status code error to server [192.168.1.10]:tcp:80.');
  assert.equal(failureDetailLine({ kind: 'HTTP', service: svc }, { ...r, reason: 'digest' }), 'MD5 digest error to server [192.168.1.10]:tcp:80.');
  assert.equal(failureDetailLine({ kind: 'TCP', service: svc }, { ...r, reason: 'timeout' }), 'TCP connection to [192.168.1.10]:tcp:80 timeout.');
  assert.equal(
    downLine({ kind: 'MISC', service: svc, vs: fmtTrio('10.0.0.1', 80), miscPath: '/x.sh', retry: 1 }, { ...r, reason: 'exit', exitCode: 1 }, 1),
    'Misc check for [[192.168.1.10]:tcp:80 VS [10.0.0.1]:tcp:80] by [/x.sh] failed after 1 retry (exited with status 1).',
  );
  assert.equal(
    downLine({ kind: 'MISC', service: svc, vs: fmtTrio('10.0.0.1', 80), miscPath: '/x.sh', retry: 0 }, { ...r, reason: 'timeout' }, 0),
    'Misc check for [[192.168.1.10]:tcp:80 VS [10.0.0.1]:tcp:80] by [/x.sh] timed out with retry disabled.',
  );
});

test('script failure texts as keepalived logs them', () => {
  assert.equal(scriptFailureText({ ok: false, reason: 'timeout', detail: '', durationMs: 0 }), 'timed_out');
  assert.equal(scriptFailureText({ ok: false, reason: 'exit', exitCode: 2, detail: '', durationMs: 0 }), 'failed (exited with status 2)');
  assert.equal(scriptFailureText({ ok: false, reason: 'signal', signal: 'SIGKILL', detail: '', durationMs: 0 }), 'failed (due to signal 9)');
});

test('TCP checker: retry + delay_before_retry, then DOWN with keepalived lines; UP again at once', async () => {
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const starts: number[] = [];
  const s = new Scheduler({ clock, logger, onRunStart: (_id, _due, start) => starts.push(start) });
  const svc = fmtTrio('10.0.0.2', 80);
  const rs = new RealServerHealth({ weight: 1, checkers: [{ id: 'tcp' }] });
  const events: RealServerEvent[] = [];
  rs.on((e) => events.push(e));
  const up = (t: number) => t < 3000 || t >= 8000;
  const mon = new CheckerMonitor({
    id: 'tcp',
    kind: 'TCP',
    service: svc,
    retry: 2,
    delayBeforeRetryMs: 500,
    intervalMs: 2000,
    warmupMs: 2000,
    random: () => 0.5,
    probe: flapping(clock, up),
    logger,
    onChange: (isUp) => rs.setChecker('tcp', isUp),
  });
  s.add(mon.job());
  await advance(clock, 11_000);
  await s.stop();
  await flush();
  // first run at 1 s + 0.5 x warmup = 2000, each run takes 10 ms and the next is armed when it
  // ends (keepalived's checkers): 2010 + 2000 = 4010 fails, retries at 4520 and 5030 (each
  // delay_before_retry after the failed run ended), DOWN; then delay_loop after that: 7040.
  assert.deepEqual(starts.slice(0, 5), [2000, 4010, 4520, 5030, 7040]);
  assert.deepEqual(events, [
    { type: 'down', weight: 1 },
    { type: 'up', weight: 1 },
  ]);
  assert.deepEqual(lines.filter((l) => l.includes(svc)), [
    `TCP connection to ${svc} success.`,
    `TCP_CHECK on service ${svc} failed after 2 retries.`,
    `TCP connection to ${svc} success.`,
  ]);
});

test('MISC_CHECK misc_dynamic weights flow into RealServerHealth', async () => {
  const clock = new ManualClock(0);
  const { logger, lines } = captureLogger();
  const s = new Scheduler({ clock, logger });
  const rs = new RealServerHealth({ weight: 1, checkers: [{ id: 'misc' }] });
  const events: RealServerEvent[] = [];
  rs.on((e) => events.push(e));
  const codes = [0, 7, 7, 1, 4];
  let i = 0;
  const mon = new CheckerMonitor({
    id: 'misc',
    kind: 'MISC',
    service: fmtTrio('10.0.0.3', 80),
    vs: fmtTrio('10.0.0.100', 80),
    miscPath: '/usr/local/bin/chk.sh',
    retry: 0,
    delayBeforeRetryMs: 1000,
    intervalMs: 1000,
    firstDelayMs: 0,
    probe: clockProbe(clock, 10, (): ProbeResult => {
      const c = codes[Math.min(i++, codes.length - 1)];
      if (c === 0) return { ok: true, reason: 'ok', detail: '', exitCode: 0, durationMs: 0 };
      if (c === 1) return { ok: false, reason: 'exit', detail: 'exited with status 1', exitCode: 1, durationMs: 0 };
      return { ok: true, reason: 'ok', detail: '', exitCode: c, weight: c - 2, durationMs: 0 };
    }),
    logger,
    onChange: (isUp) => rs.setChecker('misc', isUp),
    onWeight: (w) => rs.setDynamicWeight('misc', w),
  });
  s.add(mon.job());
  await advance(clock, 4500);
  await s.stop();
  await flush();
  assert.deepEqual(events, [
    { type: 'weight', from: 1, to: 5, alive: true },
    { type: 'down', weight: 1 },
    { type: 'up', weight: 2 },
  ]);
  assert.deepEqual(lines.filter((l) => l.startsWith('Misc check')), [
    'Misc check for [[10.0.0.3]:tcp:80 VS [10.0.0.100]:tcp:80] by [/usr/local/bin/chk.sh] succeeded.',
    'Misc check for [[10.0.0.3]:tcp:80 VS [10.0.0.100]:tcp:80] by [/usr/local/bin/chk.sh] failed with retry disabled (exited with status 1).',
    'Misc check for [[10.0.0.3]:tcp:80 VS [10.0.0.100]:tcp:80] by [/usr/local/bin/chk.sh] succeeded.',
  ]);
});

test('real TCP checker on a real clock: a killed backend goes DOWN', async () => {
  const srv = await silentServer();
  const port = srv.port;
  const s = new Scheduler();
  const transitions: boolean[] = [];
  let resolveDown: () => void = () => {};
  const down = new Promise<void>((r) => (resolveDown = r));
  const mon = new CheckerMonitor({
    id: 'tcp-real',
    kind: 'TCP',
    service: fmtTrio('127.0.0.1', port),
    retry: 1,
    delayBeforeRetryMs: 20,
    intervalMs: 50,
    firstDelayMs: 0,
    probe: (signal) => probeTcp({ host: '127.0.0.1', port }, { connectTimeoutMs: 200 }, signal),
    onChange: (isUp) => {
      transitions.push(isUp);
      if (!isUp) resolveDown();
    },
  });
  try {
    s.add(mon.job());
    for (let i = 0; i < 100 && !mon.state.hasRun; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(mon.up, true);
    await srv.close();
    const timeout = new Promise<void>((_, rej) => setTimeout(() => rej(new Error('no down event')), 3000).unref());
    await Promise.race([down, timeout]);
    assert.deepEqual(transitions, [false]);
    assert.equal(mon.up, false);
  } finally {
    await s.stop();
  }
});

test('downinter while down, fastinter while rising (HAProxy-style, beyond keepalived)', async () => {
  const clock = new ManualClock(0);
  const starts: number[] = [];
  const s = new Scheduler({ clock, onRunStart: (_id, _due, start) => starts.push(start) });
  const up = (t: number) => t < 1500 || t >= 9000;
  const mon = new CheckerMonitor({
    id: 'h',
    kind: 'HTTP',
    service: fmtTrio('10.0.0.9', 80),
    retry: 0,
    rise: 2,
    delayBeforeRetryMs: 100,
    intervalMs: 1000,
    downInterMs: 3000,
    fastInterMs: 200,
    firstDelayMs: 0,
    probe: flapping(clock, up),
  });
  s.add(mon.job());
  await advance(clock, 12_000);
  await s.stop();
  // Each run takes 10 ms and the next is armed when it ends. Up at 0, 1010; DOWN at 2020 ->
  // downinter 3000 after each run: 5030, 8040 still down; 11050 success -> rising -> fastinter
  // 200 -> 11260 second success -> UP.
  assert.deepEqual(starts, [0, 1010, 2020, 5030, 8040, 11_050, 11_260]);
  assert.equal(mon.up, true);
});
