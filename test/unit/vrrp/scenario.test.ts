// Scripted two- and three-router scenarios on a deterministic wire (test/sim/wire.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip } from '../../../src/vrrp/addr.ts';
import { Wire } from '../../sim/wire.ts';
import { CLAIM_GRACE_MS } from '../../../src/vrrp/fsm.ts';

function pair(): { w: Wire; a: number; b: number } {
  const w = new Wire(0.5);
  const a = w.add({ primaryAddr: ip('10.0.0.1'), basePriority: 150 });
  const b = w.add({ primaryAddr: ip('10.0.0.2'), basePriority: 100 });
  w.at(0, () => w.feed(a, { type: 'start', now: 0 }));
  w.at(0, () => w.feed(b, { type: 'start', now: 0 }));
  w.run(10_000);
  assert.equal(w.nodes[a].state, 'MASTER');
  assert.equal(w.nodes[b].state, 'BACKUP');
  return { w, a, b };
}

test('election on a wire: the higher priority becomes MASTER after master_down_interval, the other stays BACKUP', () => {
  const { w } = pair();
  // A: 3 s + (256-150)/256 s = 3414.062 ms
  assert.ok(w.log.includes('3414.062 n0 (VI_1) Entering MASTER STATE'), w.log.join('\n'));
  assert.equal(w.holders(), 1);
});

test('crash failover: the backup takes over master_down_interval after the last advert', () => {
  const { w, a, b } = pair();
  // silence A (crash): drop its timers by replacing it with a stopped copy that sends nothing
  w.at(10_000.25, () => {
    w.nodes[a] = { ...w.nodes[a], state: 'STOP', timers: {} };
    w.holding[a] = false;
    w.holderChanges.push([w.now, w.holders()]);
  });
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  const line = w.log.find((l) => l.includes('n1 (VI_1) Entering MASTER STATE'))!;
  const t = Number(line.split(' ')[0]);
  // last advert from A at 9414.062 (+0.5 ms delivery); B's master_down = 3609.375 ms
  assert.equal(t, 9414.062 + 0.5 + 3609.375);
});

test('graceful stop (keepalived behaviour): priority 0, backup takes over after skew_time, clients dark meanwhile', () => {
  const { w, a, b } = pair();
  w.at(10_000, () => w.feed(a, { type: 'stop', now: w.now }));
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  const dark = w.timeWhere((h) => h === 0, 10_000, 20_000);
  // skew_time of priority 100 = 609.375 ms plus the 0.5 ms delivery
  assert.equal(dark, 609.875);
});

test('graceful handover (make-before-break): no moment without a VIP holder, overlap bounded by one delivery', () => {
  const { w, a, b } = pair();
  w.at(10_000, () => w.feed(a, { type: 'stop', now: w.now, handover: true }));
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  assert.equal(w.nodes[a].vipsHeld, false);
  assert.equal(w.timeWhere((h) => h === 0, 10_000, 20_000), 0);
  // both hold the VIP from B's takeover until B's first advert reaches A
  assert.equal(w.timeWhere((h) => h === 2, 10_000, 20_000), 0.5);
  assert.ok(w.log.some((l) => l.includes('n0 (VI_1) new master 10.0.0.2 seen, releasing VIPs once its gratuitous ARPs are out')));
  // released on B's gratuitous ARP, not on its advert (B advertises before it adds the VIPs)
  assert.ok(w.log.some((l) => l.includes("n0 (VI_1) new master's gratuitous ARP/NA seen, releasing VIPs")), w.log.join('\n'));
});

test('graceful handover with the new master\'s GARPs never seen: the VIPs go CLAIM_GRACE_MS after its advert', () => {
  const { w, a, b } = pair();
  w.deliverGarps = false;
  w.at(10_000, () => w.feed(a, { type: 'stop', now: w.now, handover: true }));
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  assert.equal(w.nodes[a].vipsHeld, false);
  assert.equal(w.timeWhere((h) => h === 0, 10_000, 20_000), 0);
  // both hold the VIP from B's takeover until the grace after B's advert reached A (0.5 ms later)
  assert.equal(w.timeWhere((h) => h === 2, 10_000, 20_000), 0.5 + CLAIM_GRACE_MS);
  assert.ok(w.log.some((l) => l.includes(`n0 (VI_1) no gratuitous ARP/NA from the new master within ${CLAIM_GRACE_MS} ms, releasing VIPs`)), w.log.join('\n'));
});

test('graceful handover with the priority-0 advert lost: the VIPs stay until the backup times out and advertises', () => {
  const { w, a, b } = pair();
  w.drop = (_from, _to, priority) => priority === 0;
  w.at(10_000, () => w.feed(a, { type: 'stop', now: w.now, handover: true }));
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  assert.equal(w.nodes[a].vipsHeld, false);
  assert.equal(w.timeWhere((h) => h === 0, 10_000, 20_000), 0);
  assert.ok(w.log.some((l) => l.includes('n0 (VI_1) new master 10.0.0.2 seen, releasing VIPs')), w.log.join('\n'));
});

test('preempt back: the higher-priority router restarted takes the VIP back after its master_down_interval', () => {
  const { w, a, b } = pair();
  w.at(10_000, () => w.feed(a, { type: 'stop', now: w.now }));
  w.run(15_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  // restart A: a fresh instance
  w.at(15_000, () => {
    const s = w.nodes[a];
    w.nodes[a] = { ...s, state: 'INIT', timers: {}, vipsHeld: false, masterAdverIntCs: s.config.advertIntCs };
    w.feed(a, { type: 'start', now: w.now });
  });
  w.run(25_000);
  assert.equal(w.nodes[a].state, 'MASTER');
  assert.equal(w.nodes[b].state, 'BACKUP');
  assert.ok(w.log.some((l) => l.includes('n0 (VI_1) received lower priority (100) advert from 10.0.0.2 - discarding')));
  assert.ok(w.log.some((l) => l.includes('n1 (VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100')));
});

test('nopreempt across a restart: the higher-priority router does not take the VIP back', () => {
  const w = new Wire(0.5);
  const a = w.add({ primaryAddr: ip('10.0.0.1'), basePriority: 150, nopreempt: true });
  const b = w.add({ primaryAddr: ip('10.0.0.2'), basePriority: 100 });
  w.at(0, () => w.feed(b, { type: 'start', now: 0 }));
  w.run(10_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  w.at(10_000, () => w.feed(a, { type: 'start', now: w.now }));
  w.run(60_000);
  assert.equal(w.nodes[a].state, 'BACKUP');
  assert.equal(w.nodes[b].state, 'MASTER');
});

test('three routers, equal priority: the highest IP wins when all start together', () => {
  const w = new Wire(0.5);
  const ns = ['10.0.0.7', '10.0.0.200', '10.0.0.30'].map((x) => w.add({ primaryAddr: ip(x), basePriority: 100 }));
  for (const n of ns) w.at(0, () => w.feed(n, { type: 'start', now: 0 }));
  w.run(10_000);
  assert.deepEqual(w.nodes.map((s) => s.state), ['BACKUP', 'MASTER', 'BACKUP']);
  assert.equal(w.holders(), 1);
});

test('tracker weight moves the VIP (priority 91/90 with +2 script) and back when it recovers', () => {
  const w = new Wire(0.5);
  const a = w.add({ primaryAddr: ip('10.0.0.1'), basePriority: 91 });
  const b = w.add({ primaryAddr: ip('10.0.0.2'), basePriority: 90 });
  const tr = (ok: boolean) => [{ name: 'chk', weight: 2, reverse: false, ok }];
  w.at(0, () => {
    w.feed(a, { type: 'trackers', now: 0, trackers: tr(true) });
    w.feed(b, { type: 'trackers', now: 0, trackers: tr(true) });
    w.feed(a, { type: 'start', now: 0 });
    w.feed(b, { type: 'start', now: 0 });
  });
  w.run(10_000);
  assert.equal(w.nodes[a].state, 'MASTER');
  w.at(10_000, () => w.feed(a, { type: 'trackers', now: w.now, trackers: tr(false) })); // 93 -> 91 < 92
  w.run(20_000);
  assert.equal(w.nodes[b].state, 'MASTER');
  assert.equal(w.nodes[a].state, 'BACKUP');
  w.at(20_000, () => w.feed(a, { type: 'trackers', now: w.now, trackers: tr(true) }));
  w.run(30_000);
  assert.equal(w.nodes[a].state, 'MASTER');
  assert.equal(w.holders(), 1);
});
