// step() rules, one test per rule, named after it. Times are ms on a virtual timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, makeConfig, CLAIM_GRACE_MS, masterDownIntervalMs, skewTimeMs, type InstanceState } from '../../../src/vrrp/fsm.ts';
import { mk, rx, fire, started, master, lines, kinds, sent, timerAt, OURS, HIGHER_IP, LOWER_IP } from './helpers.ts';

const MDI_V2_P100 = 3000 + 609.375; // 3 * 1 s + (256-100)/256 s

test('start: instance begins in BACKUP (init) and waits master_down_interval', () => {
  const r = step(mk(), { type: 'start', now: 1000 });
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(lines(r.actions), ['(VI_1) Entering BACKUP STATE (init)']);
  assert.deepEqual(kinds(r.actions), ['transition', 'notify', 'set_timer:master_down']);
  assert.equal(timerAt(r.actions, 'master_down'), 1000 + MDI_V2_P100);
  assert.deepEqual(sent(r.actions), []);
});

test('start: priority 255 address owner with state MASTER goes MASTER at once', () => {
  const r = step(mk({ basePriority: 255, wantMaster: true }), { type: 'start', now: 0 });
  assert.equal(r.state.state, 'MASTER');
  // advert first, then VIPs, GARPs, notify (vrrp_state_become_master)
  assert.deepEqual(kinds(r.actions), ['send_advert', 'transition', 'add_vips', 'garp', 'set_timer:garp', 'notify', 'set_timer:advert']);
  assert.deepEqual(sent(r.actions), [255]);
  assert.deepEqual(lines(r.actions, 'info'), ['(VI_1) Entering MASTER STATE']);
  assert.equal(timerAt(r.actions, 'advert'), 1000);
});

test('state MASTER with priority < 255 behaves as BACKUP and clears nopreempt/preempt_delay', () => {
  const { config, warnings } = makeConfig({ name: 'VI_1', vrid: 51, primaryAddr: mk().config.primaryAddr, basePriority: 150, wantMaster: true, nopreempt: true, preemptDelayMs: 2000 });
  assert.equal(config.nopreempt, false);
  assert.equal(config.preemptDelayMs, 0);
  assert.equal(warnings.length, 1);
  const s = started({ basePriority: 150, wantMaster: true, nopreempt: true });
  assert.equal(s.state, 'BACKUP');
  assert.equal(s.config.nopreempt, false);
});

test('master_down timer expiry: BACKUP becomes MASTER (Receive advertisement timeout)', () => {
  const s = started();
  const r = fire(s, 'master_down');
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(lines(r.actions, 'detail').slice(0, 1), ['(VI_1) Receive advertisement timeout']);
  assert.deepEqual(sent(r.actions), [100]);
  assert.ok(kinds(r.actions).includes('add_vips'));
});

test('master_down_interval and skew_time come from the effective priority', () => {
  let s = mk();
  s = step(s, { type: 'trackers', now: 0, trackers: [{ name: 'chk', weight: -20, reverse: false, ok: false }] }).state;
  assert.equal(s.effectivePriority, 80);
  const r = step(s, { type: 'start', now: 0 });
  assert.equal(timerAt(r.actions, 'master_down'), 3000 + (176 / 256) * 1000);
  assert.equal(skewTimeMs(r.state), (176 / 256) * 1000);
  // an owner uses 255 whatever happens
  assert.equal(masterDownIntervalMs(mk({ basePriority: 255 })), 3003.906); // 3906.25 us truncated to whole us like keepalived
});

test('v3 backups adopt the master advert interval and revert to their own on becoming master', () => {
  const s = started({ version: 3, advertIntCs: 100 });
  const r = rx(s, 500, 150, HIGHER_IP, { advertIntCs: 20 });
  assert.equal(r.state.masterAdverIntCs, 20);
  assert.deepEqual(lines(r.actions, 'detail'), ['(VI_1) advertisement interval updated from 1000ms to 200ms by master']);
  // master_down = 3 * 200 ms + (256-100) * 200 / 256 ms
  assert.equal(timerAt(r.actions, 'master_down'), 500 + 600 + 121.875);
  const m = fire(r.state, 'master_down');
  assert.equal(m.state.state, 'MASTER');
  assert.equal(m.state.masterAdverIntCs, 100);
  assert.equal(timerAt(m.actions, 'advert'), 500 + 600 + 121.875 + 1000);
});

test('v2 backups keep their own interval (RFC 3768 has no Master_Adver_Interval)', () => {
  const s = started();
  const r = rx(s, 500, 150, HIGHER_IP, { advertIntCs: 200 });
  assert.equal(r.state.masterAdverIntCs, 100);
});

test('BACKUP accepts equal and higher adverts: resets master_down, remembers the master', () => {
  const s = started();
  const r1 = rx(s, 1000, 150, HIGHER_IP);
  assert.equal(timerAt(r1.actions, 'master_down'), 1000 + MDI_V2_P100);
  assert.equal(r1.state.masterPriority, 150);
  const r2 = rx(r1.state, 2000, 100, LOWER_IP); // equal priority from a LOWER address: still accepted
  assert.equal(timerAt(r2.actions, 'master_down'), 2000 + MDI_V2_P100);
  assert.deepEqual([...r2.state.masterAddr!], [10, 0, 0, 2]);
  assert.equal(r2.state.state, 'BACKUP');
  assert.deepEqual(lines(r2.actions), []);
});

test('BACKUP discards lower-priority adverts (no timer reset) and preempts when master_down expires', () => {
  const s = started();
  const r = rx(s, 1000, 90, HIGHER_IP);
  assert.deepEqual(lines(r.actions), ['(VI_1) received lower priority (90) advert from 10.0.0.9 - discarding']);
  assert.equal(timerAt(r.actions, 'master_down'), undefined);
  assert.equal(r.state.timers.master_down!.atMs, MDI_V2_P100);
  assert.equal(r.state.counters.discardedLower, 1);
  assert.equal(fire(r.state, 'master_down').state.state, 'MASTER');
});

test('nopreempt: BACKUP accepts lower-priority adverts and never takes over from a live master', () => {
  let s = started({ nopreempt: true });
  for (let t = 1000; t <= 20_000; t += 1000) {
    const r = rx(s, t, 50, LOWER_IP);
    assert.equal(timerAt(r.actions, 'master_down'), t + MDI_V2_P100);
    s = r.state;
  }
  assert.equal(s.state, 'BACKUP');
});

test('preempt_delay: lower adverts accepted until the deadline set by the first one, then discarded', () => {
  let s = started({ preemptDelayMs: 2000 });
  let r = rx(s, 1000, 90, LOWER_IP);
  assert.equal(r.state.preemptDeadlineMs, 3000);
  assert.equal(timerAt(r.actions, 'master_down'), 1000 + MDI_V2_P100);
  r = rx(r.state, 2000, 90, LOWER_IP);
  assert.equal(r.state.preemptDeadlineMs, 3000); // not moved by later lower adverts
  assert.equal(timerAt(r.actions, 'master_down'), 2000 + MDI_V2_P100);
  r = rx(r.state, 3000, 90, LOWER_IP);
  assert.deepEqual(lines(r.actions), ['(VI_1) received lower priority (90) advert from 10.0.0.2 - discarding']);
  s = r.state;
  // preemption one master-down after the last accepted advert (man page: ~ delay + master_down)
  assert.equal(s.timers.master_down!.atMs, 2000 + MDI_V2_P100);
});

test('preempt_delay: an equal or higher advert resets the preempt deadline', () => {
  let r = rx(started({ preemptDelayMs: 2000 }), 1000, 90, LOWER_IP);
  assert.equal(r.state.preemptDeadlineMs, 3000);
  r = rx(r.state, 1500, 120, HIGHER_IP);
  assert.equal(r.state.preemptDeadlineMs, undefined);
  r = rx(r.state, 5000, 90, LOWER_IP);
  assert.equal(r.state.preemptDeadlineMs, 7000);
});

test('priority-0 advert: BACKUP waits only skew_time', () => {
  const r = rx(started(), 1000, 0, HIGHER_IP);
  assert.equal(timerAt(r.actions, 'master_down'), 1000 + 609.375);
  assert.deepEqual(lines(r.actions, 'detail'), ['(VI_1) Backup received priority 0 advertisement']);
  assert.equal(fire(r.state, 'master_down').state.state, 'MASTER');
});

test('MASTER receiving a higher-priority advert goes BACKUP, sends no priority-0 advert, and keeps its VIPs until the new master announces them', () => {
  const r = rx(master({ higherPrioSendAdvert: false }), 5000, 150, LOWER_IP);
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(lines(r.actions, 'info'), ['(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100', '(VI_1) Entering BACKUP STATE']);
  assert.deepEqual(sent(r.actions), []);
  assert.deepEqual(kinds(r.actions), ['watch_claims', 'set_timer:handover', 'cancel_timer:advert', 'cancel_timer:garp', 'transition', 'notify', 'set_timer:master_down']);
  assert.equal(r.state.vipsHeld, true);
  assert.equal(timerAt(r.actions, 'handover'), 5000 + CLAIM_GRACE_MS);
  assert.equal(timerAt(r.actions, 'master_down'), 5000 + MDI_V2_P100);
});

test('yield make-before-break: the new master\'s GARP / NA seen releases the VIPs at once, and only once', () => {
  const y = rx(master(), 5000, 150, LOWER_IP).state;
  const c = step(y, { type: 'vips_claimed', now: 5003 });
  assert.equal(c.state.state, 'BACKUP');
  assert.equal(c.state.vipsHeld, false);
  assert.deepEqual(kinds(c.actions), ['remove_vips', 'watch_claims', 'cancel_timer:handover']);
  assert.deepEqual(step(c.state, { type: 'vips_claimed', now: 5004 }).actions, []);
  assert.equal(c.state.timers.handover, undefined, 'the release bound is cancelled');
});

test('yield make-before-break: without the new master\'s GARP the VIPs go CLAIM_GRACE_MS after its advert', () => {
  const y = rx(master(), 5000, 150, LOWER_IP).state;
  const t = fire(y, 'handover', 5000 + CLAIM_GRACE_MS);
  assert.equal(t.state.vipsHeld, false);
  assert.ok(t.actions.some((a) => a.type === 'remove_vips'));
  assert.equal(t.state.state, 'BACKUP');
});

test('yield make-before-break: a fault or a stop while yielding releases the VIPs at once', () => {
  const y = rx(master(), 5000, 150, LOWER_IP).state;
  const f = step(y, { type: 'fault', now: 5001, key: 'eth0', faulted: true });
  assert.equal(f.state.state, 'FAULT');
  assert.equal(f.state.vipsHeld, false);
  assert.ok(f.actions.some((a) => a.type === 'remove_vips'));
  const st = step(y, { type: 'stop', now: 5001 });
  assert.equal(st.state.state, 'STOP');
  assert.equal(st.state.vipsHeld, false);
  assert.deepEqual(kinds(st.actions).filter((k) => k === 'remove_vips'), ['remove_vips']);
});

test('yield make-before-break: taking over again while yielding keeps the VIPs and stops waiting to release them', () => {
  const y = rx(master(), 5000, 150, LOWER_IP).state;
  const m = fire(y, 'master_down');
  assert.equal(m.state.state, 'MASTER');
  assert.equal(m.state.vipsHeld, true);
  assert.ok(kinds(m.actions).includes('cancel_timer:handover'));
  assert.ok(m.actions.some((a) => a.type === 'watch_claims' && !a.on));
  assert.ok(m.actions.some((a) => a.type === 'garp'), 'announces again: clients may have moved');
  assert.equal(m.state.timers.handover, undefined);
});

test('yield make-before-break: sync-group members release at once (the group moves as one)', () => {
  const m = step(started({ syncGroup: 'VG_1' }), { type: 'sync', now: 100, directive: 'MASTER' }).state;
  assert.equal(m.state, 'MASTER');
  const r = rx(m, 5000, 150, LOWER_IP);
  assert.equal(r.state.vipsHeld, false);
  assert.ok(r.actions.some((a) => a.type === 'remove_vips'));
});

test('MASTER receiving an equal-priority advert from a higher IP goes BACKUP', () => {
  const r = rx(master(), 5000, 100, HIGHER_IP);
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(lines(r.actions, 'info')[0], '(VI_1) Master received advert from 10.0.0.9 with same priority 100 but higher IP address than ours');
});

test('MASTER receiving a lower-priority advert sends an advert at once plus GARPs (forcing new election)', () => {
  const m = master();
  const r = rx(m, 5000, 90, HIGHER_IP);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(lines(r.actions), ['(VI_1) Received advert from 10.0.0.9 with lower priority 90, ours 100, forcing new election']);
  assert.deepEqual(sent(r.actions), [100]);
  assert.deepEqual(kinds(r.actions), ['send_advert', 'garp', 'set_timer:garp_lower', 'notify_master_rx_lower_pri']);
  assert.equal(r.state.timers.advert, m.timers.advert); // regular cadence kept
});

test('MASTER receiving an equal-priority advert from a lower IP stays MASTER and re-asserts', () => {
  const r = rx(master(), 5000, 100, LOWER_IP);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(lines(r.actions), ['(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 100, forcing new election']);
  assert.deepEqual(sent(r.actions), [100]);
});

test('lower_prio_no_advert: MASTER does not answer a lower advert and drops the suffix', () => {
  const r = rx(master({ lowerPrioNoAdvert: true }), 5000, 90, HIGHER_IP);
  assert.deepEqual(lines(r.actions), ['(VI_1) Received advert from 10.0.0.9 with lower priority 90, ours 100']);
  assert.deepEqual(sent(r.actions), []);
});

test('higher_prio_send_advert: MASTER sends one advert before yielding', () => {
  const r = rx(master({ higherPrioSendAdvert: true }), 5000, 150, HIGHER_IP);
  assert.deepEqual(sent(r.actions), [100]);
  assert.equal(r.state.state, 'BACKUP');
});

test('higher_prio_send_advert is on by default (keepalived: off), also for an equal priority from a higher IP', () => {
  // After a split brain heals this advert is the lower-priority one the winner must hear to
  // re-announce the VIPs (test/netns/vrrp-splitbrain.test.ts).
  const m = master();
  assert.equal(m.config.higherPrioSendAdvert, true);
  assert.deepEqual(sent(rx(m, 5000, 150, LOWER_IP).actions), [100]);
  const tie = rx(m, 5000, 100, HIGHER_IP);
  assert.deepEqual(sent(tie.actions), [100]);
  assert.equal(tie.state.state, 'BACKUP');
});

test('priority-0 advert received by MASTER: send an advert at once', () => {
  const r = rx(master(), 5000, 0, HIGHER_IP);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(sent(r.actions), [100]);
  assert.equal(timerAt(r.actions, 'advert'), 6000);
  assert.deepEqual(lines(r.actions, 'detail'), ['(VI_1) Master received priority 0 message']);
});

test('MASTER advert timer: one advert per advert_int at the current priority', () => {
  let s = master();
  const t0 = s.timers.advert!.atMs;
  for (let i = 0; i < 5; i++) {
    const r = fire(s, 'advert');
    assert.deepEqual(sent(r.actions), [100]);
    s = r.state;
  }
  assert.equal(s.timers.advert!.atMs, t0 + 5000);
});

test('equal priority tie is broken by the higher primary IP, IPv6 compared as unsigned bytes', () => {
  const over = { primaryAddr: mk().config.primaryAddr };
  void over;
  const m = master({ version: 3, family: 6, primaryAddr: new Uint8Array([0xfe, 0x80, ...new Array(13).fill(0), 0x80]) });
  // fe80::7f < fe80::80 < fe80::100
  const lowerR = rx(m, 5000, 100, 'fe80::7f', { addrs: [] });
  assert.equal(lowerR.state.state, 'MASTER');
  const higherR = rx(m, 5000, 100, 'fe80::100', { addrs: [] });
  assert.equal(higherR.state.state, 'BACKUP');
  // a high first byte is not "negative": 200.0.0.1 beats 10.0.0.5
  assert.equal(rx(master(), 5000, 100, '200.0.0.1').state.state, 'BACKUP');
});

test('equal priority advert with our own address: warning, no change', () => {
  const r = rx(master(), 5000, 100, OURS);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(lines(r.actions), ['(VI_1) WARNING - equal priority advert received from remote host with our IP address.']);
});

test('leaving MASTER to FAULT sends priority 0 and removes VIPs', () => {
  const r = step(master(), { type: 'fault', now: 5000, key: 'interface eth0', faulted: true });
  assert.equal(r.state.state, 'FAULT');
  assert.deepEqual(sent(r.actions), [0]);
  assert.deepEqual(kinds(r.actions), ['send_advert', 'remove_vips', 'cancel_timer:advert', 'cancel_timer:garp', 'transition', 'notify']);
  assert.deepEqual(lines(r.actions, 'info'), ['(VI_1) Entering FAULT STATE']);
  assert.deepEqual(lines(r.actions, 'detail'), ['(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
});

test('leaving MASTER to STOP sends priority 0, removes VIPs and notifies STOP', () => {
  const r = step(master(), { type: 'stop', now: 5000 });
  assert.equal(r.state.state, 'STOP');
  assert.deepEqual(sent(r.actions), [0]);
  assert.deepEqual(kinds(r.actions), ['send_advert', 'remove_vips', 'cancel_timer:advert', 'cancel_timer:garp', 'transition', 'notify', 'stopped']);
  assert.deepEqual(Object.keys(r.state.timers), []);
});

test('stop from BACKUP: no advert, timers cancelled, notify STOP', () => {
  const r = step(started(), { type: 'stop', now: 5000 });
  assert.deepEqual(kinds(r.actions), ['cancel_timer:master_down', 'transition', 'notify', 'stopped']);
  assert.equal(step(r.state, { type: 'start', now: 6000 }).actions.length, 0);
});

test('FAULT exits to BACKUP only when all faults clear', () => {
  let s = started();
  s = step(s, { type: 'fault', now: 100, key: 'interface eth0', faulted: true }).state;
  assert.equal(s.state, 'FAULT');
  assert.equal(s.timers.master_down, undefined);
  s = step(s, { type: 'fault', now: 200, key: 'interface eth1', faulted: true }).state;
  let r = step(s, { type: 'fault', now: 300, key: 'interface eth0', faulted: false });
  assert.equal(r.state.state, 'FAULT');
  assert.deepEqual(r.actions, []);
  r = step(r.state, { type: 'fault', now: 400, key: 'interface eth1', faulted: false });
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(lines(r.actions), ['(VI_1) Entering BACKUP STATE']);
  assert.equal(timerAt(r.actions, 'master_down'), 400 + MDI_V2_P100);
});

test('start while faulted: Entering FAULT STATE (init)', () => {
  let s = mk();
  s = step(s, { type: 'fault', now: 0, key: 'interface eth0', faulted: true }).state;
  const r = step(s, { type: 'start', now: 0 });
  assert.equal(r.state.state, 'FAULT');
  assert.deepEqual(lines(r.actions), ['(VI_1) Entering FAULT STATE (init)']);
});

test('adverts are ignored in FAULT', () => {
  const s = step(started(), { type: 'fault', now: 0, key: 'if', faulted: true }).state;
  const r = rx(s, 100, 150, HIGHER_IP);
  assert.deepEqual(kinds(r.actions), []);
  assert.equal(r.state.state, 'FAULT');
});

test('weight-0 tracker KO => FAULT, recovery => BACKUP', () => {
  const m = master();
  let r = step(m, { type: 'trackers', now: 5000, trackers: [{ name: 'chk', weight: 0, reverse: false, ok: false }] });
  assert.equal(r.state.state, 'FAULT');
  assert.deepEqual(sent(r.actions), [0]);
  r = step(r.state, { type: 'trackers', now: 6000, trackers: [{ name: 'chk', weight: 0, reverse: false, ok: true }] });
  assert.equal(r.state.state, 'BACKUP');
});

test('address owner leaving FAULT waits only adver_int + skew_time', () => {
  let s = master({ basePriority: 255, wantMaster: true });
  s = step(s, { type: 'fault', now: 100, key: 'if', faulted: true }).state;
  const r = step(s, { type: 'fault', now: 200, key: 'if', faulted: false });
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(timerAt(r.actions, 'master_down'), 200 + 1000 + 3.906);
});

test('effective priority change while BACKUP moves the pending master-down deadline by the skew change', () => {
  const s = started(); // deadline 3609.375 at priority 100
  const r = step(s, { type: 'trackers', now: 1000, trackers: [{ name: 'chk', weight: 50, reverse: false, ok: true }] });
  assert.deepEqual(lines(r.actions), ['(VI_1) Changing effective priority from 100 to 150']);
  // skew 156/256 s -> 106/256 s: 50/256 s earlier
  assert.equal(timerAt(r.actions, 'master_down'), 3000 + 414.062); // new deadline = 3 s + new skew (414062 us)
  assert.equal(r.state.effectivePriority, 150);
});

test('effective priority change while MASTER is simply advertised', () => {
  const m = master();
  const r = step(m, { type: 'trackers', now: 5000, trackers: [{ name: 'chk', weight: -20, reverse: false, ok: false }] });
  assert.deepEqual(lines(r.actions), ['(VI_1) Changing effective priority from 100 to 80']);
  assert.deepEqual(kinds(r.actions), []);
  assert.deepEqual(sent(fire(r.state, 'advert').actions), [80]);
});

test('stale timer tokens are ignored', () => {
  const s = started();
  const old = s.timers.master_down!;
  const s2 = rx(s, 1000, 150, HIGHER_IP).state; // re-armed with a new token
  const r = step(s2, { type: 'timer', now: old.atMs, kind: 'master_down', token: old.token });
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(r.actions, []);
  assert.equal(r.state.counters.staleTimers, 1);
});

test('GARP: burst on becoming master, second burst after garp_master_delay, then garp_master_refresh', () => {
  const s = started({ garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 60_000, masterRefreshRepeat: 2, lowerPrioDelayMs: 0, lowerPrioRepeat: 1 } });
  const m = fire(s, 'master_down');
  const t0 = s.timers.master_down!.atMs;
  assert.ok(m.actions.some((a) => a.type === 'garp' && a.repeat === 5));
  assert.equal(timerAt(m.actions, 'garp'), t0 + 5000);
  const g1 = fire(m.state, 'garp');
  assert.deepEqual(g1.actions.filter((a) => a.type === 'garp'), [{ type: 'garp', repeat: 5 }]);
  assert.equal(timerAt(g1.actions, 'garp'), t0 + 65_000);
  const g2 = fire(g1.state, 'garp');
  assert.deepEqual(g2.actions.filter((a) => a.type === 'garp'), [{ type: 'garp', repeat: 2 }]);
  assert.equal(timerAt(g2.actions, 'garp'), t0 + 125_000);
});

test('GARP: no refresh by default, one delayed burst only', () => {
  const m = master();
  const g = fire(m, 'garp');
  assert.deepEqual(kinds(g.actions), ['garp']);
  assert.equal(g.state.timers.garp, undefined);
});

test('graceful handover: MASTER stop sends priority 0 but keeps VIPs until the new master advertises', () => {
  const m = master();
  const r = step(m, { type: 'stop', now: 10_000, handover: true });
  assert.equal(r.state.state, 'STOP');
  assert.deepEqual(sent(r.actions), [0]);
  assert.ok(!kinds(r.actions).includes('remove_vips'));
  assert.ok(!kinds(r.actions).includes('stopped'));
  assert.equal(r.state.vipsHeld, true);
  // bounded by the master_down_interval of a priority-1 backup: 3 s + 255/256 s (truncated to us)
  assert.equal(timerAt(r.actions, 'handover'), 10_000 + 3996.093);
  // no more adverts from us while handing over
  assert.equal(r.state.timers.advert, undefined);
  // the wire is watched for the new master's GARPs from the start of the handover
  assert.ok(r.actions.some((x) => x.type === 'watch_claims' && x.on));
  // the new master's first advert does not release yet: it advertises before it adds the VIPs
  const n = rx(r.state, 10_700, 90, LOWER_IP);
  assert.ok(!kinds(n.actions).includes('remove_vips'));
  assert.equal(n.state.vipsHeld, true);
  assert.equal(timerAt(n.actions, 'handover'), 10_700 + CLAIM_GRACE_MS);
  // further adverts change nothing
  assert.deepEqual(rx(n.state, 10_750, 90, LOWER_IP).actions, []);
  // its gratuitous ARP releases them
  const c = step(n.state, { type: 'vips_claimed', now: 10_701 });
  assert.deepEqual(kinds(c.actions), ['remove_vips', 'watch_claims', 'cancel_timer:handover', 'notify', 'stopped']);
  assert.equal(c.state.vipsHeld, false);
  assert.deepEqual(step(c.state, { type: 'vips_claimed', now: 10_702 }).actions, []);
});

test('graceful handover: a GARP for our VIP seen before the new master\'s advert releases at once', () => {
  const r = step(master(), { type: 'stop', now: 10_000, handover: true });
  const c = step(r.state, { type: 'vips_claimed', now: 10_610 });
  assert.ok(kinds(c.actions).includes('remove_vips'));
  assert.ok(kinds(c.actions).includes('stopped'));
});

test('graceful handover: without the new master\'s GARP the VIPs go CLAIM_GRACE_MS after its advert', () => {
  const r = step(master(), { type: 'stop', now: 10_000, handover: true });
  const n = rx(r.state, 10_700, 90, LOWER_IP);
  const t = fire(n.state, 'handover');
  assert.ok(kinds(t.actions).includes('remove_vips'));
  assert.ok(t.actions.some((x) => x.type === 'log' && x.line.includes(`within ${CLAIM_GRACE_MS} ms`)));
});

test('vips_claimed outside a handover changes nothing', () => {
  assert.deepEqual(step(master(), { type: 'vips_claimed', now: 10_000 }).actions, []);
  assert.deepEqual(step(started(), { type: 'vips_claimed', now: 100 }).actions, []);
});

test('graceful handover: bounded by master_down_interval when nobody takes over', () => {
  const r = step(master(), { type: 'stop', now: 10_000, handover: true });
  // priority-0 adverts (another router leaving) do not count as a new master
  const z = rx(r.state, 10_100, 0, LOWER_IP);
  assert.deepEqual(z.actions, []);
  const t = fire(z.state, 'handover');
  assert.ok(kinds(t.actions).includes('remove_vips'));
  assert.ok(kinds(t.actions).includes('stopped'));
});

test('graceful handover: a plain stop while handing over releases the VIPs at once', () => {
  const h = step(master(), { type: 'stop', now: 10_000, handover: true });
  const r = step(h.state, { type: 'stop', now: 10_100 });
  assert.deepEqual(kinds(r.actions), ['remove_vips', 'watch_claims', 'cancel_timer:handover', 'notify', 'stopped']);
  assert.deepEqual(step(r.state, { type: 'stop', now: 10_200 }).actions, []);
});

test('initial tracker states set the starting priority silently (INIT)', () => {
  const r = step(mk(), { type: 'trackers', now: 0, trackers: [{ name: 'chk', weight: 10, reverse: false, ok: true }] });
  assert.equal(r.state.effectivePriority, 110);
  assert.deepEqual(r.actions, []);
});

test('graceful handover from BACKUP is an ordinary stop', () => {
  const r = step(started(), { type: 'stop', now: 100, handover: true });
  assert.ok(kinds(r.actions).includes('stopped'));
  assert.deepEqual(sent(r.actions), []);
});

test('step is pure: the input state is not modified', () => {
  const s = master();
  const snapshot = JSON.stringify(s, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
  step(s, { type: 'fault', now: 1, key: 'x', faulted: true });
  rx(s, 2, 150, HIGHER_IP);
  fire(s, 'advert');
  assert.equal(JSON.stringify(s, (_k, v) => (v instanceof Uint8Array ? [...v] : v)), snapshot);
});

test('two-router election on a wire: higher priority wins, lower keeps backing up (sanity)', () => {
  // A (prio 100, 10.0.0.5) and B (prio 150, 10.0.0.9), both started at t=0; adverts delivered at once.
  let a: InstanceState = started();
  let b: InstanceState = started({ basePriority: 150, primaryAddr: new Uint8Array([10, 0, 0, 9]) });
  // B's master_down expires first (smaller skew)
  assert.ok(b.timers.master_down!.atMs < a.timers.master_down!.atMs);
  const rb = fire(b, 'master_down');
  b = rb.state;
  assert.equal(b.state, 'MASTER');
  const ra = rx(a, rb.state.timers.advert!.atMs - 1000, 150, HIGHER_IP);
  a = ra.state;
  assert.equal(a.state, 'BACKUP');
  assert.equal(a.timers.master_down!.atMs > b.timers.advert!.atMs, true);
});

test('two address owners: the local one reports a CONFIGURATION ERROR, drops to 254 and yields', () => {
  const m = master({ basePriority: 255, wantMaster: true });
  const r = rx(m, 5000, 255, LOWER_IP);
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(r.state.basePriority, 254);
  assert.deepEqual(lines(r.actions, 'info'), [
    '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
    '(VI_1) Master received advert from 10.0.0.2 with higher priority 255, ours 254',
    '(VI_1) Entering BACKUP STATE',
  ]);
});

test('v3 MASTER yielding adopts the new master interval (logged "by new master")', () => {
  const m = master({ version: 3, advertIntCs: 100 });
  const r = rx(m, 5000, 150, HIGHER_IP, { advertIntCs: 50 });
  assert.equal(r.state.masterAdverIntCs, 50);
  assert.ok(lines(r.actions, 'detail').includes('(VI_1) advertisement interval updated from 1000ms to 500ms by new master'));
  assert.equal(timerAt(r.actions, 'master_down'), 5000 + 1500 + 304.687);
});

test('garp_lower_prio_repeat 0: no GARP when a MASTER hears a lower advert', () => {
  const r = rx(master({ garp: { lowerPrioRepeat: 0 } }), 5000, 90, HIGHER_IP);
  assert.ok(!kinds(r.actions).includes('garp'));
  assert.deepEqual(sent(r.actions), [100]);
});
