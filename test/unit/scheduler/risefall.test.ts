import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  scriptCounterInit,
  scriptCounterStep,
  scriptIsOk,
  scriptPhase,
  realServerInit,
  realServerStep,
  realServerNextDelay,
  phaseInterval,
  type ScriptCounterConfig,
  type RealServerCheckConfig,
} from '../../../src/scheduler/risefall.ts';
import { effectiveTrackState, trackFileStatus, effectivePriority } from '../../../src/scheduler/track.ts';
import { RealServerHealth, type RealServerEvent } from '../../../src/scheduler/realserver.ts';

function feed(cfg: ScriptCounterConfig, seq: string) {
  let s = scriptCounterInit(cfg);
  const out: string[] = [];
  for (const c of seq) {
    const step = scriptCounterStep(cfg, s, c === '1');
    s = step.state;
    out.push(step.transition ?? (scriptIsOk(cfg, s) ? 'ok' : 'ko'));
  }
  return out;
}

test('vrrp_script defaults (rise 1, fall 1): starts in init (KO), each result decides', () => {
  const cfg = { rise: 1, fall: 1 };
  assert.equal(scriptIsOk(cfg, scriptCounterInit(cfg)), false);
  assert.deepEqual(feed(cfg, '1101'), ['up', 'ok', 'down', 'up']);
  // the first failure while in init is reported (update_script_priorities(false))
  assert.deepEqual(feed(cfg, '0010'), ['down', 'ko', 'up', 'down']);
});

test('vrrp_script rise 2 fall 3: counter in [0, rise+fall-1], OK iff >= rise', () => {
  const cfg = { rise: 2, fall: 3 };
  const init = scriptCounterInit(cfg);
  assert.equal(init.result, 1); // "one success is enough" at start
  // first success goes up at once (init = rise-1), then 3 failures to go down, 2 successes to rise
  assert.deepEqual(feed(cfg, '1000' + '11' + '0100' + '0'), ['up', 'ok', 'ok', 'down', 'ko', 'up', 'ok', 'ok', 'ok', 'ok', 'down']);
  // success in the middle of a fall jumps back to the top (result = rise+fall-1)
  let s = scriptCounterStep(cfg, init, true).state;
  assert.equal(s.result, 4);
  s = scriptCounterStep(cfg, s, false).state;
  assert.equal(s.result, 3);
  assert.equal(scriptPhase(cfg, s), 'transition');
  s = scriptCounterStep(cfg, s, true).state;
  assert.equal(s.result, 4);
  assert.equal(scriptPhase(cfg, s), 'up');
});

test('init_fail: starts at 0, needs rise successes; first failure is silent', () => {
  const cfg = { rise: 2, fall: 2, initFail: true };
  assert.equal(scriptCounterInit(cfg).result, 0);
  assert.deepEqual(feed(cfg, '0110'), ['ko', 'ko', 'up', 'ok']);
});

test('real server: failure while up retries `retry` times, then DOWN; success while down UP at once', () => {
  const cfg: RealServerCheckConfig = { retry: 2 };
  let s = realServerInit(cfg);
  assert.equal(s.up, true);
  const acts: string[] = [];
  for (const ok of [true, false, false, false, false, true, true]) {
    const st = realServerStep(cfg, s, ok);
    s = st.state;
    acts.push(st.action + (st.action === 'down' ? `:${st.retries}` : ''));
  }
  assert.deepEqual(acts, ['confirm-up', 'retry', 'retry', 'down:2', 'none', 'up', 'none']);
});

test('real server: a success between retries resets the retry counter', () => {
  const cfg: RealServerCheckConfig = { retry: 1 };
  let s = realServerInit(cfg);
  const acts = [false, true, false, false].map((ok) => {
    const st = realServerStep(cfg, s, ok);
    s = st.state;
    return st.action;
  });
  assert.deepEqual(acts, ['retry', 'none', 'retry', 'down']);
});

test('real server: alpha starts DOWN, first success UP; HTTP first run is not retried', () => {
  const alpha = realServerInit({ retry: 3, alpha: true });
  assert.equal(alpha.up, false);
  assert.equal(realServerStep({ retry: 3, alpha: true }, alpha, true).action, 'up');
  assert.equal(realServerStep({ retry: 3, alpha: true }, alpha, false).action, 'confirm-down');
  const http: RealServerCheckConfig = { retry: 3, noRetryOnFirstRun: true };
  assert.equal(realServerStep(http, realServerInit(http), false).action, 'down');
  assert.equal(realServerStep({ retry: 3 }, realServerInit({ retry: 3 }), false).action, 'retry');
});

test('real server rise (beyond keepalived): rise successes in a row while down', () => {
  const cfg: RealServerCheckConfig = { retry: 0, rise: 3 };
  let s = { up: false, hasRun: true, retryIt: 0, riseIt: 0 };
  const acts = [true, true, false, true, true, true].map((ok) => {
    const st = realServerStep(cfg, s, ok);
    s = st.state;
    return st.action;
  });
  assert.deepEqual(acts, ['rising', 'rising', 'none', 'rising', 'rising', 'up']);
});

test('intervals: delay_before_retry while retrying, fastinter in transition, downinter while down', () => {
  const iv = { intervalMs: 5000, fastInterMs: 500, downInterMs: 20_000, delayBeforeRetryMs: 1000 };
  assert.equal(phaseInterval(iv, 'up'), 5000);
  assert.equal(phaseInterval(iv, 'transition'), 500);
  assert.equal(phaseInterval(iv, 'down'), 20_000);
  assert.equal(phaseInterval({ intervalMs: 3 }, 'down'), 3);
  const cfg = { retry: 1, rise: 2 };
  const retry = realServerStep(cfg, realServerInit(cfg), false);
  assert.deepEqual(realServerNextDelay(iv, retry), { delayMs: 1000, intervalMs: 500 });
  const down = realServerStep(cfg, retry.state, false);
  assert.deepEqual(realServerNextDelay(iv, down), { intervalMs: 20_000 });
  const rising = realServerStep(cfg, down.state, true);
  assert.deepEqual(realServerNextDelay(iv, rising), { intervalMs: 500 });
});

test('effectiveTrackState: weight 0 faults, +w adds when OK, -w subtracts when KO, reverse flips', () => {
  assert.deepEqual(effectiveTrackState(false, { weight: 0 }), { fault: true, delta: 0 });
  assert.deepEqual(effectiveTrackState(true, { weight: 0 }), { fault: false, delta: 0 });
  assert.deepEqual(effectiveTrackState(true, { weight: 0, reverse: true }), { fault: true, delta: 0 });
  assert.deepEqual(effectiveTrackState(true, { weight: 10 }), { fault: false, delta: 10 });
  assert.deepEqual(effectiveTrackState(false, { weight: 10 }), { fault: false, delta: 0 });
  assert.deepEqual(effectiveTrackState(false, { weight: -20 }), { fault: false, delta: -20 });
  assert.deepEqual(effectiveTrackState(true, { weight: -20 }), { fault: false, delta: 0 });
  assert.deepEqual(effectiveTrackState(true, { weight: 10, reverse: true }), { fault: false, delta: -10 });
  assert.deepEqual(effectiveTrackState(false, { weight: -20, reverse: true }), { fault: false, delta: 20 });
});

test('trackFileStatus and effectivePriority clamp as keepalived', () => {
  assert.deepEqual(trackFileStatus(3, { weight: 5 }), { fault: false, delta: 15 });
  assert.deepEqual(trackFileStatus(3, { weight: 5, reverse: true }), { fault: false, delta: -15 });
  assert.deepEqual(trackFileStatus(100, { weight: 5 }), { fault: false, delta: 253 });
  assert.deepEqual(trackFileStatus(-100, { weight: 5 }), { fault: true, delta: 0 });
  assert.deepEqual(trackFileStatus(1, { weight: 0 }), { fault: true, delta: 0 });
  assert.deepEqual(trackFileStatus(0, { weight: 0 }), { fault: false, delta: 0 });
  assert.deepEqual(trackFileStatus(0, { weight: 0, reverse: true }), { fault: true, delta: 0 });
  assert.deepEqual(effectivePriority(100, [{ fault: false, delta: 200 }]), { priority: 254, fault: false });
  assert.deepEqual(effectivePriority(100, [{ fault: false, delta: -150 }]), { priority: 1, fault: false });
  assert.deepEqual(effectivePriority(255, [{ fault: false, delta: -50 }]), { priority: 255, fault: false });
});

test('RealServerHealth: UP only when all checkers are up; misc_dynamic weight changes', () => {
  const rs = new RealServerHealth({ weight: 3, checkers: [{ id: 'http' }, { id: 'misc' }] });
  const events: RealServerEvent[] = [];
  rs.on((e) => events.push(e));
  assert.equal(rs.alive, true);
  rs.setChecker('http', false);
  rs.setChecker('misc', false);
  assert.equal(rs.failedCheckers, 2);
  rs.setChecker('http', true);
  assert.equal(rs.alive, false);
  rs.setChecker('misc', true);
  rs.setDynamicWeight('misc', 7);
  rs.setDynamicWeight('misc', 7);
  rs.setDynamicWeight('misc', undefined);
  rs.setDynamicWeight('misc', 5);
  rs.setChecker('misc', false); // dynamic weight dropped with the checker
  assert.deepEqual(events, [
    { type: 'down', weight: 3 },
    { type: 'up', weight: 3 },
    { type: 'weight', from: 3, to: 7, alive: true },
    { type: 'weight', from: 7, to: 3, alive: true },
    { type: 'weight', from: 3, to: 5, alive: true },
    { type: 'down', weight: 3 },
  ]);
  const alpha = new RealServerHealth({ weight: 1, checkers: [{ id: 'a', alpha: true }, { id: 'b' }] });
  assert.equal(alpha.alive, false);
  assert.deepEqual(alpha.setChecker('a', true), [{ type: 'up', weight: 1 }]);
});
