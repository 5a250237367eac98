// Sync groups (vrrp_sync.c semantics) driven through stepGroup().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, type InstanceState, type VrrpAction } from '../../../src/vrrp/fsm.ts';
import { stepGroup, type SyncGroupConfig } from '../../../src/vrrp/sync-group.ts';
import { mk, advert, addr } from './helpers.ts';

const group: SyncGroupConfig = { name: 'VG_1', members: ['VI_1', 'VI_2'] };

function pair(over: { a?: object; b?: object } = {}): Record<string, InstanceState> {
  const a = step(mk({ name: 'VI_1', syncGroup: 'VG_1', ...over.a }), { type: 'start', now: 0 }).state;
  const b = step(mk({ name: 'VI_2', vrid: 52, syncGroup: 'VG_1', ...over.b }), { type: 'start', now: 0 }).state;
  return { VI_1: a, VI_2: b };
}

function of(r: ReturnType<typeof stepGroup>, inst: string): VrrpAction[] {
  return r.actions.filter((x) => x.instance === inst).flatMap((x) => x.actions);
}

function fireIn(states: Record<string, InstanceState>, inst: string, kind: 'master_down') {
  const slot = states[inst].timers[kind]!;
  return stepGroup(group, states, inst, { type: 'timer', now: slot.atMs, kind, token: slot.token });
}

test('sync group: a member may go MASTER only if every member wants MASTER', () => {
  let st = pair();
  let r = fireIn(st, 'VI_1', 'master_down');
  assert.equal(r.states.VI_1.state, 'BACKUP');
  assert.equal(r.states.VI_1.wantState, 'MASTER');
  assert.ok(r.states.VI_1.timers.master_down, 're-armed while waiting for the group');
  assert.deepEqual(r.groupActions, []);
  st = r.states;
  r = fireIn(st, 'VI_2', 'master_down');
  assert.equal(r.states.VI_1.state, 'MASTER');
  assert.equal(r.states.VI_2.state, 'MASTER');
  assert.deepEqual(r.groupActions, [
    { type: 'log', level: 'info', line: 'VRRP_Group(VG_1) Syncing instances to MASTER state' },
    { type: 'group_notify', group: 'VG_1', state: 'MASTER', priority: 0 },
  ]);
  // members following the group run no instance notifies
  assert.equal([...of(r, 'VI_1'), ...of(r, 'VI_2')].filter((a) => a.type === 'notify').length, 0);
});

test('sync group: one member to MASTER forces all to MASTER', () => {
  const b = step(mk({ name: 'VI_2', vrid: 52, syncGroup: 'VG_1' }), { type: 'start', now: 0 }).state;
  const a = mk({ name: 'VI_1', syncGroup: 'VG_1', basePriority: 255, wantMaster: true });
  const r = stepGroup(group, { VI_1: a, VI_2: b }, 'VI_1', { type: 'start', now: 10 });
  assert.equal(r.states.VI_1.state, 'MASTER');
  assert.equal(r.states.VI_2.state, 'MASTER');
  assert.ok(of(r, 'VI_2').some((a) => a.type === 'add_vips'));
  assert.equal(of(r, 'VI_1').filter((a) => a.type === 'notify').length, 1, 'the initiating member notifies');
  assert.equal(of(r, 'VI_2').filter((a) => a.type === 'notify').length, 0, 'the follower does not');
});

function bothMaster(): Record<string, InstanceState> {
  const st = fireIn(pair(), 'VI_1', 'master_down').states;
  const r = fireIn(st, 'VI_2', 'master_down');
  assert.equal(r.states.VI_1.state, 'MASTER');
  return r.states;
}

test('sync group: one member MASTER -> BACKUP forces all to BACKUP', () => {
  const st = bothMaster();
  const r = stepGroup(group, st, 'VI_1', { type: 'advert', now: 9000, advert: advert(200), src: addr('10.0.0.9') });
  assert.equal(r.states.VI_1.state, 'BACKUP');
  assert.equal(r.states.VI_2.state, 'BACKUP');
  assert.ok(of(r, 'VI_2').some((a) => a.type === 'remove_vips'));
  assert.ok(!of(r, 'VI_2').some((a) => a.type === 'send_advert'));
  assert.equal(r.groupActions[0].type === 'log' && r.groupActions[0].line, 'VRRP_Group(VG_1) Syncing instances to BACKUP state');
});

test('sync group: first FAULT faults all, the group leaves FAULT only when every member is clear', () => {
  let st = bothMaster();
  let r = stepGroup(group, st, 'VI_1', { type: 'fault', now: 9000, key: 'eth0', faulted: true });
  assert.equal(r.states.VI_1.state, 'FAULT');
  assert.equal(r.states.VI_2.state, 'FAULT');
  assert.ok(of(r, 'VI_2').some((a) => a.type === 'send_advert' && a.priority === 0), 'the follower left MASTER with priority 0');
  assert.deepEqual(r.groupActions.filter((a) => a.type === 'group_notify'), [{ type: 'group_notify', group: 'VG_1', state: 'FAULT', priority: 0 }]);
  st = r.states;
  r = stepGroup(group, st, 'VI_2', { type: 'fault', now: 9100, key: 'eth1', faulted: true });
  st = r.states;
  r = stepGroup(group, st, 'VI_1', { type: 'fault', now: 9200, key: 'eth0', faulted: false });
  assert.equal(r.states.VI_1.state, 'FAULT');
  assert.equal(r.states.VI_2.state, 'FAULT');
  st = r.states;
  r = stepGroup(group, st, 'VI_2', { type: 'fault', now: 9300, key: 'eth1', faulted: false });
  assert.equal(r.states.VI_1.state, 'BACKUP');
  assert.equal(r.states.VI_2.state, 'BACKUP');
  assert.ok(r.states.VI_1.timers.master_down && r.states.VI_2.timers.master_down);
});

test('sync group: a member faulted by the group does not leave FAULT on its own', () => {
  const st = stepGroup(group, bothMaster(), 'VI_1', { type: 'fault', now: 9000, key: 'eth0', faulted: true }).states;
  // an unrelated tracker update on VI_2 must not pull it out of the group FAULT
  const r = stepGroup(group, st, 'VI_2', { type: 'trackers', now: 9100, trackers: [] });
  assert.equal(r.states.VI_2.state, 'FAULT');
});
