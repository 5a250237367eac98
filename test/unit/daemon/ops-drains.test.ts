// Scheduled windows (drains.ts): validation, and a real every-second cron opening a 1 s window
// that closes again (bounded waits, no timing assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrainScheduler, validateSchedule } from '../../../src/daemon/drains.ts';

const waitFor = async (pred: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return pred();
};

test('validation', () => {
  assert.equal(validateSchedule({ kind: 'drain', target: '10.0.0.1:80', cron: '0 2 * * 0', durationS: 1800 }), null);
  assert.match(validateSchedule({ kind: 'drain', target: '10.0.0.1:80', cron: 'not cron', durationS: 1 }) ?? '', /invalid cron/);
  assert.match(validateSchedule({ kind: 'drain', target: '10.0.0.1:80', cron: '* * * * *', durationS: 0 }) ?? '', /duration/);
  assert.match(validateSchedule({ kind: 'nap' as 'drain', target: 'x', cron: '* * * * *', durationS: 5 }) ?? '', /kind/);
});

test('a window opens at a cron match and closes after its duration', async () => {
  let changes = 0;
  const s = new DrainScheduler(() => changes++);
  try {
    s.set([{ id: '1', kind: 'drain', target: '10.0.0.1:80', cron: '*/2 * * * * *', durationS: 1 }, { id: '2', kind: 'maintenance', target: 'VI_1', cron: '0 0 1 1 *', durationS: 60 }]);
    assert.deepEqual([...s.active('drain')], []);
    assert.ok(await waitFor(() => s.active('drain').has('10.0.0.1:80'), 5000), 'the window opened');
    assert.deepEqual([...s.active('maintenance')], [], 'other entries stay closed');
    assert.ok(s.list().find((e) => e.id === '1')?.openUntil);
    assert.ok(s.list().find((e) => e.id === '2')?.nextRun);
    assert.ok(await waitFor(() => !s.active('drain').has('10.0.0.1:80'), 5000), 'the window closed');
    assert.ok(changes >= 3);
    assert.equal(s.remove('1'), true);
    assert.equal(s.remove('1'), false);
  } finally {
    s.close();
  }
});
