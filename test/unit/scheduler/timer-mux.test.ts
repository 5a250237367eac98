import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type Clock } from '../../../src/lib/clock.ts';
import { TimerMux } from '../../../src/scheduler/timer-mux.ts';

/** A ManualClock that counts the base timers armed on it. */
function countingClock(): { clock: ManualClock; armed: () => number } {
  const clock = new ManualClock(0);
  let n = 0;
  const orig = clock.setTimer.bind(clock);
  (clock as Clock).setTimer = (d, fn) => (n++, orig(d, fn));
  return { clock, armed: () => n };
}

test('timers fire in deadline order (ties in insertion order) on a single base timer at a time', () => {
  const { clock } = countingClock();
  const mux = new TimerMux(clock);
  const fired: string[] = [];
  for (const [name, at] of [['c', 30], ['a', 10], ['b', 20], ['a2', 10], ['d', 5]] as const) mux.at(at, () => fired.push(`${name}@${clock.now()}`));
  clock.advance(100);
  assert.deepEqual(fired, ['d@5', 'a@10', 'a2@10', 'b@20', 'c@30']);
  assert.equal(mux.size, 0);
});

test('cancelled timers never fire; timers added from a callback run when due', () => {
  const clock = new ManualClock(0);
  const mux = new TimerMux(clock);
  const fired: number[] = [];
  const h = mux.at(10, () => fired.push(10));
  mux.at(20, () => {
    fired.push(20);
    mux.after(0, () => fired.push(clock.now() + 0.5)); // due at once: same wake-up
    mux.after(15, () => fired.push(clock.now()));
  });
  h.cancel();
  h.cancel(); // idempotent
  clock.advance(100);
  assert.deepEqual(fired, [20, 20.5, 35]);
});

test('granularity: deadlines in one grid cell share one wake-up', () => {
  const { clock, armed } = countingClock();
  const mux = new TimerMux(clock, 10);
  const fired: Array<[number, number]> = [];
  for (const at of [1, 3, 7, 10, 11, 19]) mux.at(at, () => fired.push([at, clock.now()]));
  clock.advance(50);
  assert.deepEqual(fired, [
    [1, 10],
    [3, 10],
    [7, 10],
    [10, 10],
    [11, 20],
    [19, 20],
  ]);
  assert.equal(armed(), 2);
});

test('a cancel-heavy load stays bounded (compaction) and the live timers still fire', () => {
  const clock = new ManualClock(0);
  const mux = new TimerMux(clock);
  let fired = 0;
  for (let i = 0; i < 1000; i++) mux.at(500_000 + i, () => fired++);
  // like per-probe ceilings: armed for every run, cancelled when the probe ends in time
  for (let i = 0; i < 20_000; i++) mux.at(1_000_000 + i, () => assert.fail('cancelled timer fired')).cancel();
  assert.equal(mux.size, 1000);
  const heapLength = (mux as unknown as { heap: unknown[] }).heap.length;
  assert.ok(heapLength <= 2 * 1000 + 1025, `dead entries compacted (heap ${heapLength})`);
  clock.advance(2_000_000);
  assert.equal(fired, 1000);
  assert.equal(mux.size, 0);
});

test('clear() cancels everything', () => {
  const clock = new ManualClock(0);
  const mux = new TimerMux(clock);
  let fired = 0;
  for (let i = 0; i < 10; i++) mux.at(i * 10, () => fired++);
  mux.clear();
  clock.advance(1000);
  assert.equal(fired, 0);
  assert.equal(clock.nextDue(), undefined);
});

test('cancelling a timer that already fired (or from its own callback) changes nothing', () => {
  const clock = new ManualClock(0);
  const mux = new TimerMux(clock);
  const fired: number[] = [];
  const a = mux.at(10, () => {
    fired.push(10);
    a.cancel(); // the scheduler cancels its ceiling on completion, sometimes after it fired
  });
  const b = mux.at(20, () => fired.push(20));
  mux.at(30, () => fired.push(30));
  clock.advance(25);
  b.cancel();
  a.cancel();
  assert.equal(mux.size, 1); // only the timer at 30 is live; late cancels did not count as dead
  clock.advance(10);
  assert.deepEqual(fired, [10, 20, 30]);
  assert.equal(mux.size, 0);
});
