// The instance runner (src/vrrp/instance.ts) against fakes: an in-process L2 segment as the
// transport, a manual clock, recording VIP and GARP ports. Checks that the runner carries out
// what step() decides (adverts on the wire, timers, VIPs, GARPs, notifies), counts drops by
// reason, hands over make-before-break, and that a bug resets one instance, not the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, systemClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/obs/log.ts';
import { ip, ipEquals, type IpBytes } from '../../../src/vrrp/addr.ts';
import { CLAIM_GRACE_MS, makeConfig } from '../../../src/vrrp/fsm.ts';
import { InstanceRunner, type InstancePorts, type NotifyKind } from '../../../src/vrrp/instance.ts';
import type { PacketHandler, TransportBinding, TransportStats, VrrpTransport } from '../../../src/vrrp/transport.ts';
import type { VipResult, VipSpec } from '../../../src/vips/manager.ts';

/** A fake segment: every send reaches every other attached binding of the same family, TTL 255. */
class FakeSegment {
  members = new Map<string, { b: TransportBinding; on: PacketHandler }>();
  sent: { key: string; dst: IpBytes; payload: Uint8Array }[] = [];
  transport(): VrrpTransport {
    const seg = this;
    return {
      attach(b, on) {
        seg.members.set(b.key, { b, on });
      },
      detach(key) {
        seg.members.delete(key);
      },
      send(key, payload, dst) {
        const from = seg.members.get(key);
        if (!from) return 'not attached';
        seg.sent.push({ key, dst, payload });
        for (const [k, m] of seg.members) {
          if (k === key || m.b.family !== from.b.family) continue;
          m.on({ payload, meta: { family: from.b.family, src: from.b.src, dst, ttl: seg.ttl }, ifindex: m.b.ifindex, ...(seg.ageMs !== undefined ? { ageMs: seg.ageMs } : {}) });
        }
        return undefined;
      },
      stats(): TransportStats {
        return { drops: {}, sent: seg.sent.length, sendErrors: 0 };
      },
      close() {},
    };
  }
  ttl = 255;
  /** How long before their handling the packets reached the kernel (SO_TIMESTAMPNS), if known. */
  ageMs: number | undefined;
}

interface Recorder {
  vipOps: string[];
  garps: number[];
  notifies: NotifyKind[];
}

const VIP: VipSpec = { family: 4, address: ip('10.0.0.100'), prefix: 32, ifindex: 2, ifname: 'eth0', scope: 0, text: '10.0.0.100/32 dev eth0' };

function runner(name: string, src: string, priority: number, clock: ManualClock | typeof systemClock, transport: VrrpTransport, rec: Recorder, extra: Partial<InstancePorts> = {}): InstanceRunner {
  const { config } = makeConfig({ name, vrid: 51, primaryAddr: ip(src), family: 4, version: 3, basePriority: priority, advertIntCs: 10 });
  const group = ip('224.0.0.18');
  const ports: InstancePorts = {
    clock,
    transport,
    log: silentLogger(),
    vips: {
      add: async (v: readonly VipSpec[]): Promise<VipResult[]> => {
        rec.vipOps.push(`${name} add`);
        return v.map((vip) => ({ vip }));
      },
      remove: async (v: readonly VipSpec[]): Promise<VipResult[]> => {
        rec.vipOps.push(`${name} remove`);
        return v.map((vip) => ({ vip }));
      },
    },
    garp: { send: (_v, repeat) => void rec.garps.push(repeat) },
    notify: (_n, k) => void rec.notifies.push(k),
    ...extra,
  };
  return new InstanceRunner(
    {
      config,
      binding: { key: name, family: 4, vrid: 51, ifname: 'eth0', ifindex: 2, src: ip(src), group },
      rx: { name, version: 3, vrid: 51, advertIntCs: 10, authType: 0, vips: [VIP.address] },
      advertAddrs: [VIP.address],
      vips: [VIP],
    },
    ports,
  );
}

const flush = () => new Promise((r) => setImmediate(r));

/** A (150) and B (100) on a fake segment, started and run for 2 s of manual time. */
async function startedPair(tune: (seg: FakeSegment) => void = () => undefined) {
  const clock = new ManualClock();
  const seg = new FakeSegment();
  tune(seg);
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  const a = runner('A', '10.0.0.1', 150, clock, seg.transport(), rec);
  const b = runner('B', '10.0.0.2', 100, clock, seg.transport(), rec);
  a.start();
  b.start();
  clock.advance(2000);
  await flush();
  return { clock, seg, rec, a, b };
}

test('runner: two instances on a fake segment elect the higher priority, which adds its VIPs and sends GARPs', async () => {
  const { clock, seg, rec, a, b } = await startedPair();
  assert.equal(a.state.state, 'MASTER');
  assert.equal(b.state.state, 'BACKUP');
  assert.deepEqual(rec.vipOps, ['A add']);
  assert.deepEqual(rec.garps.slice(0, 1), [5]);
  assert.ok(rec.notifies.some((n) => n.state === 'MASTER' && n.priority === 150));
  // Adverts keep flowing every 100 ms from A only.
  const fromA = seg.sent.filter((s) => s.key === 'A').length;
  clock.advance(1000);
  assert.equal(seg.sent.filter((s) => s.key === 'A').length - fromA, 10);
  assert.equal(seg.sent.filter((s) => s.key === 'B').length, 0);
  assert.ok(ipEquals(seg.sent[0].dst, ip('224.0.0.18')));
});

test('runner: adverts failing the receive checks are dropped and counted by reason (TTL not 255)', async () => {
  const { a, b } = await startedPair((seg) => (seg.ttl = 64));
  // Nobody hears anybody: both become master (split brain), and the drops say why.
  assert.equal(a.state.state, 'MASTER');
  assert.equal(b.state.state, 'MASTER');
  assert.ok(a.drops.ttl > 0 && b.drops.ttl > 0);
});

/** A (150) master and B (100) backup on one segment, then A stopped with a handover. */
async function handOver(clock: ManualClock, seg: FakeSegment, rec: Recorder, extra: (name: string) => Partial<InstancePorts> = () => ({})) {
  const a = runner('A', '10.0.0.1', 150, clock, seg.transport(), rec, extra('A'));
  const b = runner('B', '10.0.0.2', 100, clock, seg.transport(), rec, extra('B'));
  a.start();
  b.start();
  clock.advance(2000);
  await flush();
  let stopped = false;
  void a.stopped.then(() => (stopped = true));
  a.stop(true);
  await flush();
  return { a, b, isStopped: () => stopped };
}

test('runner: a stop with handover keeps the VIPs until the new master advertises, then releases them', async () => {
  const clock = new ManualClock();
  const seg = new FakeSegment();
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  const { b, isStopped } = await handOver(clock, seg, rec);
  assert.deepEqual(rec.vipOps, ['A add'], 'still holding while B has not taken over');
  clock.advance(100); // B's skew_time after the priority-0 advert is ~61 ms
  await flush();
  assert.equal(b.state.state, 'MASTER');
  // No claim port here: B's advert (which reaches A before B adds its VIPs) starts the grace only.
  assert.deepEqual(rec.vipOps, ['A add', 'B add']);
  clock.advance(CLAIM_GRACE_MS);
  await flush();
  assert.deepEqual(rec.vipOps, ['A add', 'B add', 'A remove']);
  assert.equal(isStopped(), true);
});

test('runner: with a claim port the handing-over master releases right after the new master\'s GARP', async () => {
  const clock = new ManualClock();
  const seg = new FakeSegment();
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  // A fake L2 for announcements: a runner's GARP reaches every other runner's watcher.
  const watchers = new Map<string, () => void>();
  const claimsOf = (name: string): Partial<InstancePorts> => ({
    claims: {
      watch: (_v, onClaim) => {
        watchers.set(name, onClaim);
        return () => void watchers.delete(name);
      },
    },
    garp: {
      send: (_v, repeat) => {
        rec.garps.push(repeat);
        rec.vipOps.push(`${name} garp`);
        for (const [k, on] of [...watchers]) if (k !== name) on();
      },
    },
  });
  const { b, isStopped } = await handOver(clock, seg, rec, claimsOf);
  assert.equal(watchers.has('A'), true, 'A watches from the start of the handover');
  clock.advance(100);
  await flush();
  await flush();
  assert.equal(b.state.state, 'MASTER');
  // make-before-break: B adds and announces before A lets go; no grace timer was needed
  assert.deepEqual(rec.vipOps, ['A add', 'A garp', 'B add', 'B garp', 'A remove']);
  assert.equal(isStopped(), true);
  assert.equal(watchers.size, 0, 'the watch is closed after the release');
});

test('runner: a bug inside one instance resets that instance only', async () => {
  const clock = new ManualClock();
  const seg = new FakeSegment();
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  let explode = true;
  const base = seg.transport();
  // A bug in A's path: its transport throws (once) while A sends its first advert as master.
  const buggy: VrrpTransport = {
    ...base,
    send(key, payload, dst) {
      if (explode) {
        explode = false;
        throw new Error('boom');
      }
      return base.send(key, payload, dst);
    },
  };
  const a = runner('A', '10.0.0.1', 150, clock, buggy, rec);
  const b = runner('B', '10.0.0.2', 100, clock, seg.transport(), rec);
  a.start();
  b.start();
  clock.advance(3000);
  await flush();
  // A blew up on its first advert as master: it restarted from INIT (B took over meanwhile) and
  // won the election again; the process and B went on.
  assert.equal(a.state.state, 'MASTER');
  assert.equal(b.state.state, 'BACKUP');
  assert.equal(explode, false);
  assert.ok(rec.vipOps.lastIndexOf('A add') > rec.vipOps.lastIndexOf('B add'), rec.vipOps.join());
});

test('runner: the master-down timer runs from the advert\'s kernel arrival (RxPacket.ageMs), not from its handling', async () => {
  // v3, advert_int 100 ms, backup priority 100: Master_Down_Interval = 3 x 100 + (256 - 100) x 100 / 256
  // = 360.94 ms (RFC 5798 §6.1). An advert handled 3 ms after the kernel received it restarts the
  // timer from its arrival, so the takeover comes 3 ms sooner than from its handling.
  for (const ageMs of [undefined, 3]) {
    const { clock, seg, a, b } = await startedPair((s) => (s.ageMs = ageMs));
    assert.equal(a.state.state, 'MASTER');
    // A's next advert, then A dies silently.
    const n = seg.sent.length;
    for (let i = 0; i < 200 && seg.sent.length === n; i++) clock.advance(1);
    assert.equal(seg.sent.length, n + 1);
    a.dispose();
    const deadline = 360.9375 - (ageMs ?? 0);
    clock.advance(Math.floor(deadline) - 0.5);
    assert.equal(b.state.state, 'BACKUP', `age ${ageMs}: still BACKUP just before ${deadline} ms`);
    clock.advance(1.5);
    assert.equal(b.state.state, 'MASTER', `age ${ageMs}: MASTER right after ${deadline} ms`);
    b.dispose();
  }
});

test('runner: with the real clock the takeover is worked out before the master-down timer is due and applied as is', async () => {
  const seg = new FakeSegment();
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  const a = runner('A', '10.0.0.1', 150, systemClock, seg.transport(), rec, { preciseTimers: true });
  const b = runner('B', '10.0.0.2', 100, systemClock, seg.transport(), rec, { preciseTimers: true });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    a.start();
    b.start();
    for (let i = 0; i < 100 && a.state.state !== 'MASTER'; i++) await sleep(20);
    assert.equal(a.state.state, 'MASTER');
    assert.equal(b.state.state, 'BACKUP');
    // B's master-down timer was re-armed by every advert: nothing worked out ahead for nothing.
    assert.equal(b.precomputedTakeovers, 0);
    a.dispose();
    const stateOf = (r: InstanceRunner): string => r.state.state;
    for (let i = 0; i < 100 && stateOf(b) !== 'MASTER'; i++) await sleep(20);
    assert.equal(stateOf(b), 'MASTER');
    assert.equal(b.precomputedTakeovers, 1);
    // The precomputed result is the real one: B advertises with its priority, adds its VIPs, GARPs.
    await flush();
    assert.ok(rec.vipOps.includes('B add'), rec.vipOps.join(','));
    const last = seg.sent.filter((x) => x.key === 'B');
    assert.ok(last.length >= 1 && last[0].payload[2] === 100, 'B advertises priority 100');
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('runner: on becoming master the notify runs after the VIPs are added and the GARPs sent (keepalived\'s order)', async () => {
  const order: string[] = [];
  const clock = new ManualClock();
  const seg = new FakeSegment();
  const rec: Recorder = { vipOps: [], garps: [], notifies: [] };
  const a = runner('A', '10.0.0.1', 150, clock, seg.transport(), rec, {
    vips: {
      add: async (v: readonly VipSpec[]) => (order.push('add'), v.map((vip) => ({ vip }))),
      remove: async (v: readonly VipSpec[]) => (order.push('remove'), v.map((vip) => ({ vip }))),
    },
    garp: { send: () => void order.push('garp') },
    notify: (_n, k) => void order.push(`notify ${k.state}`),
  });
  a.start();
  clock.advance(2000);
  await flush();
  assert.equal(a.state.state, 'MASTER');
  const m = order.indexOf('notify MASTER');
  assert.ok(m > order.indexOf('add') && m > order.indexOf('garp') && order.indexOf('garp') > order.indexOf('add'), order.join(','));
  a.dispose();
});
