// A reload that changes only `priority` keeps the instance's state (keepalived's
// restore_vrrp_state): the rule onBasePriority() in fsm.ts implements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, skewTimeMs } from '../../../src/vrrp/fsm.ts';
import { fire, kinds, lines, master, mk, rx, sent, started, HIGHER_IP } from './helpers.ts';

const setPrio = (s: ReturnType<typeof master>, now: number, priority: number, trackers = []) => step(s, { type: 'base_priority', now, priority, trackers });

test('reload priority change: a MASTER stays MASTER, keeps its VIPs and advertises the new priority', () => {
  const m = master({ basePriority: 150 });
  const r = setPrio(m, 5000, 120);
  assert.equal(r.state.state, 'MASTER');
  assert.ok(!kinds(r.actions).includes('remove_vips'));
  assert.ok(!kinds(r.actions).includes('transition'));
  assert.equal(r.state.basePriority, 120);
  assert.equal(r.state.effectivePriority, 120);
  assert.equal(r.state.config.basePriority, 120);
  assert.ok(lines(r.actions).some((l) => l.includes('base priority changed from 150 to 120 by reload')));
  assert.deepEqual(sent(fire(r.state, 'advert').actions), [120]);
});

test('reload priority change: a BACKUP moves its pending master-down deadline by the change in skew', () => {
  const b = started({ basePriority: 100 });
  const due = b.timers.master_down!.atMs;
  const r = setPrio(b, 10, 200);
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(r.state.timers.master_down!.atMs, due + skewTimeMs(r.state) - skewTimeMs(b));
});

test('reload priority change: tracker weights still apply on top of the new base', () => {
  const m = master({ basePriority: 150 });
  const r = step(m, { type: 'base_priority', now: 5000, priority: 100, trackers: [{ name: 'chk', weight: -20, reverse: false, ok: false }] });
  assert.equal(r.state.effectivePriority, 80);
});

test('reload priority change: a lower master then loses to a higher backup by the normal rules', () => {
  const m = master({ basePriority: 150 });
  const r = setPrio(m, 5000, 90);
  const a = rx(r.state, 5100, 100, HIGHER_IP);
  assert.equal(a.state.state, 'BACKUP');
});

test('reload priority change: the address owner (255) and out-of-range values are not changed in place', () => {
  const owner = step(mk({ basePriority: 255, wantMaster: true }), { type: 'start', now: 0 }).state;
  assert.deepEqual(setPrio(owner, 10, 200).actions, []);
  const m = master({ basePriority: 150 });
  assert.deepEqual(setPrio(m, 10, 255).actions, []);
  assert.deepEqual(setPrio(m, 10, 0).actions, []);
  assert.deepEqual(setPrio(m, 10, 150).actions, []);
});
