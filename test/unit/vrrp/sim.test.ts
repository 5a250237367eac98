// A fixed sample of simulator schedules (test/sim/lan.ts): after chaos and healing, exactly one
// MASTER per VRID with the top priority, VIPs on exactly that router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSchedule } from '../../sim/lan.ts';

test('simulation: one master per VRID with the highest priority after the network heals (fixed seeds)', () => {
  const failures: string[] = [];
  let events = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const r = runSchedule(seed);
    events += r.events;
    if (!r.ok) failures.push(`seed ${seed}: ${r.failure}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(events > 10_000, `only ${events} events simulated`);
});

test('simulation: equal priorities started together are won by the highest IP (fixed seeds)', () => {
  const failures: string[] = [];
  for (let seed = 1000; seed < 1030; seed++) {
    const r = runSchedule(seed, { tieBreak: true });
    if (!r.ok) failures.push(`seed ${seed}: ${r.failure}`);
  }
  assert.deepEqual(failures, []);
});

test('simulation: a schedule replays identically from its seed', () => {
  assert.deepEqual(runSchedule(42), runSchedule(42));
});
