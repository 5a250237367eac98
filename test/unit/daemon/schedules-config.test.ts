// drain_schedule / maintenance_schedule in the configuration (src/config/build-drains.ts): the
// three places they can be written, load-time errors at FILE:LINE (bad cron, duration, time zone,
// unknown real server or instance), and the scheduler's reload semantics (src/daemon/drains.ts)
// driven by hand: an injected cron, timers and wall clock, so no test waits for a real minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.ts';
import { configSchedules, parseScheduleWords } from '../../../src/config/build-drains.ts';
import { DrainScheduler, configEntries, type CronTask } from '../../../src/daemon/drains.ts';
import { sameJson } from '../../../src/vrrp/runtime.ts';

function load(text: string) {
  return loadConfig('/etc/k.conf', { readFile: () => text, hostChecks: false });
}

const base = (globals: string, inst: string, rs: string) => `global_defs {
  router_id t
${globals}}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
${inst}  virtual_ipaddress {
    10.0.0.100
  }
}
virtual_server 10.0.0.100 80 {
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.11 80 {
    weight 3
${rs}  }
  real_server 10.0.0.12 80 {
  }
}
`;

test('parseScheduleWords: cron, duration, time zone', () => {
  assert.deepEqual(parseScheduleWords(['0 2 * * 0', 'duration', '1800']), { cron: '0 2 * * 0', durationS: 1800 });
  assert.deepEqual(parseScheduleWords(['*/5 * * * * *', 'duration', '2', 'timezone', 'Europe/Paris']), { cron: '*/5 * * * * *', durationS: 2, timezone: 'Europe/Paris' });
  assert.match(parseScheduleWords(['0 2 * *', 'duration', '5']) as string, /invalid cron expression '0 2 \* \*'/);
  assert.match(parseScheduleWords(['61 * * * *', 'duration', '5']) as string, /invalid cron/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'for', '5']) as string, /expected 'duration SECONDS'/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'duration', '0']) as string, /1\.\.604800/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'duration', '1.5']) as string, /whole number/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'duration', '700000']) as string, /1\.\.604800/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'duration', '5', 'timezone', 'Mars/Olympus']) as string, /unknown time zone 'Mars\/Olympus'/);
  assert.match(parseScheduleWords(['0 2 * * 0', 'duration', '5', 'tz', 'UTC']) as string, /expected 'timezone TZ'/);
});

test('the three forms load into schedules with their file:line', () => {
  const { model, diagnostics } = load(
    base(
      '  drain_schedule 10.0.0.12:80 "30 1 * * *" duration 60\n  maintenance_schedule VI_1 "0 4 * * 1" duration 900 timezone UTC\n',
      '  maintenance_schedule "30 3 1 * *" duration 600\n',
      '    drain_schedule "0 2 * * 0" duration 1800\n',
    ),
  );
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(model);
  const s = configSchedules(model);
  assert.deepEqual(
    s.map((e) => [e.kind, e.target, e.cron, e.durationS, e.timezone, e.source]),
    [
      ['drain', '10.0.0.12:80', '30 1 * * *', 60, undefined, '/etc/k.conf:3'],
      ['maintenance', 'VI_1', '0 4 * * 1', 900, 'UTC', '/etc/k.conf:4'],
      ['maintenance', 'VI_1', '30 3 1 * *', 600, undefined, '/etc/k.conf:10'],
      ['drain', 'tcp:10.0.0.100:80/10.0.0.11:80', '0 2 * * 0', 1800, undefined, '/etc/k.conf:20'],
    ],
  );
});

test('bad schedules refuse the configuration, each at its line', () => {
  const { model, diagnostics } = load(
    base(
      '  drain_schedule 10.0.0.99:80 "30 1 * * *" duration 60\n  maintenance_schedule VI_9 "0 4 * * 1" duration 900\n',
      '  maintenance_schedule "30 3 1 * *" duration 600 timezone Nowhere/City\n',
      '    drain_schedule "0 2 * * 8" duration 1800\n    drain_schedule "0 2 * * 0" duration 0\n',
    ),
  );
  assert.equal(model, null);
  const errs = diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
  assert.deepEqual(errs.sort(), [
    '10: maintenance_schedule: unknown time zone \'Nowhere/City\'',
    '20: drain_schedule: invalid cron expression \'0 2 * * 8\'',
    '21: drain_schedule: duration must be 1..604800 seconds, not 0',
    '3: drain_schedule: no real server 10.0.0.99:80 in the configuration (IP:PORT, [IPv6]:PORT or VS/IP:PORT as in ctl drain)',
    '4: maintenance_schedule: no vrrp_instance VI_9 in the configuration',
  ]);
  // An unquoted expression is too many words for the keyword: refused at its line too.
  const bad = load(base('', '', '    drain_schedule 0 2 * * 0 duration 1800\n'));
  assert.equal(bad.model, null);
  assert.ok(bad.diagnostics.some((d) => d.severity === 'error' && d.line === 17 && /drain_schedule/.test(d.message)), JSON.stringify(bad.diagnostics));
});

test('a schedule edit alone leaves the instance unchanged for a reload (no VRRP restart)', () => {
  const a = load(base('', '  maintenance_schedule "30 3 1 * *" duration 600\n', '')).model!;
  const b = load(base('', '  maintenance_schedule "0 0 * * *" duration 60\n', '')).model!;
  assert.ok(sameJson(a.vrrpInstances[0], b.vrrpInstances[0]));
  const c = load(base('', '  maintenance_schedule "30 3 1 * *" duration 600\n  nopreempt\n', '')).model!;
  assert.ok(!sameJson(a.vrrpInstances[0], c.vrrpInstances[0]), 'other keywords still count');
});

/** An injected cron: tasks are recorded and fired by hand. */
function handCron() {
  const tasks = new Map<string, { expr: string; fire: () => void; destroyed: boolean }>();
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  let now = 1_000_000;
  return {
    tasks,
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => !x.cancelled && x.at <= now)) {
        t.cancelled = true;
        t.fn();
      }
    },
    opts: {
      now: () => now,
      setTimer: (ms: number, fn: () => void) => {
        const t = { at: now + ms, fn, cancelled: false };
        timers.push(t);
        return { cancel: () => void (t.cancelled = true) };
      },
      cron: (expr: string, _tz: string | undefined, name: string, fire: () => void): CronTask => {
        const t = { expr, fire, destroyed: false };
        tasks.set(name, t);
        return { nextRun: () => null, destroy: () => void (t.destroyed = true) };
      },
    },
  };
}

test('reload semantics: a kept entry keeps its open window, a removed one closes at once', () => {
  const h = handCron();
  let changes = 0;
  const s = new DrainScheduler(() => changes++, h.opts);
  const v1 = load(base('', '  maintenance_schedule "30 3 1 * *" duration 600\n', '    drain_schedule "0 2 * * 0" duration 1800\n')).model!;
  s.set(configEntries(configSchedules(v1)));
  assert.equal(h.tasks.size, 2);
  const drainTask = [...h.tasks].find(([n]) => n.startsWith('kats-drain-'))![1];
  const maintTask = [...h.tasks].find(([n]) => n.startsWith('kats-maintenance-'))![1];
  drainTask.fire();
  maintTask.fire();
  assert.deepEqual([...s.active('drain')], ['tcp:10.0.0.100:80/10.0.0.11:80']);
  assert.deepEqual([...s.active('maintenance')], ['VI_1']);
  assert.equal(s.list().find((e) => e.kind === 'drain')?.openUntil, new Date(1_000_000 + 1_800_000).toISOString());
  h.advance(60_000);
  // Reload: the drain moved two lines down (a comment added), the maintenance line is gone.
  const v2 = load(base('', '', '    # patch window\n    drain_schedule "0 2 * * 0" duration 1800\n')).model!;
  s.set(configEntries(configSchedules(v2)));
  assert.deepEqual([...s.active('drain')], ['tcp:10.0.0.100:80/10.0.0.11:80'], 'the open window survives the reload');
  assert.match(s.list()[0].source ?? '', /:18$/, 'with the new line');
  assert.equal(drainTask.destroyed, false, 'same task');
  assert.deepEqual([...s.active('maintenance')], [], 'the removed schedule closed its window');
  assert.equal(maintTask.destroyed, true);
  h.advance(1_800_000);
  assert.deepEqual([...s.active('drain')], [], 'the window closed after its duration');
  // A changed duration is a new entry: new task, no window.
  const v3 = load(base('', '', '    drain_schedule "0 2 * * 0" duration 60\n')).model!;
  s.set(configEntries(configSchedules(v3)));
  assert.equal(drainTask.destroyed, true);
  assert.equal(s.list().length, 1);
  assert.ok(changes >= 4);
  s.close();
  assert.equal(s.list().length, 0);
});

test('configEntries: duplicates collapse, ids are the entry itself', () => {
  const e = configEntries([
    { kind: 'drain', target: '10.0.0.1:80', cron: '* * * * *', durationS: 5, source: 'a:1' },
    { kind: 'drain', target: '10.0.0.1:80', cron: '* * * * *', durationS: 5, source: 'a:9' },
    { kind: 'maintenance', target: 'VI_1', cron: '* * * * *', durationS: 5, timezone: 'UTC', source: 'a:2' },
  ]);
  assert.equal(e.length, 2);
  for (const x of e) assert.match(x.id, /^cfg-[0-9a-f]{8}$/);
  assert.notEqual(e[0].id, e[1].id);
  assert.equal(e[0].source, 'a:1');
  const again = configEntries([{ kind: 'drain', target: '10.0.0.1:80', cron: '* * * * *', durationS: 5, source: 'b:7' }]);
  assert.equal(again[0].id, e[0].id, 'the same entry elsewhere keeps its id');
  const other = configEntries([{ kind: 'drain', target: '10.0.0.1:80', cron: '* * * * *', durationS: 6, source: 'b:7' }]);
  assert.notEqual(other[0].id, e[0].id);
});
