// Deterministic multi-router VRRP simulation: N routers running the pure step() of
// src/vrrp/fsm.ts on one simulated LAN, adverts going through the real codec (encodeAdvert /
// receiveAdvert), time driven by a binary-heap event queue. A schedule = a seed: topology,
// priorities, intervals and a chaos phase (crashes, restarts, graceful stops with and without
// handover, partitions, packet loss, packet duplication, tracker flips, interface faults, SIGHUP
// reloads, hostile packets), then the network heals and every router is restarted if down. After
// the convergence time the invariant must hold.
//
// Reloads (chaos.ts reloadPlan, the daemon's own src/vrrp/reload-plan.ts) follow what the daemon does on SIGHUP (src/vrrp/runtime.ts
// applyModel): an unchanged instance keeps running untouched, a priority-only change is the
// fsm's `base_priority` event (state and VIPs kept), any other change stops the instance
// (priority 0, VIPs released) and starts a new one whose script trackers start at initialOk()
// until their first result (as at every start). Hostile packets are corrupted copies of the
// last real advert of a VRID (chaos.ts corruptAdvert); each must be dropped by receiveAdvert
// with the reason its corruption calls for, and leave the receiving router's states and VIPs
// as they were. A real advert dropped for any reason other than 'interval_mismatch' still fails
// the schedule.
//
// Invariant (checked twice, `settleMs` apart, to see it is stable), per VRID:
//   exactly one MASTER; its advertised priority is the highest of all routers; when that highest
//   priority is unique, it is that router, and among routers sharing it the master is the one
//   with the highest IP if they started competing as masters -- RFC 5798 §6.4.2 lets a backup
//   accept an equal-priority advert, so a lower-IP master that got there first legitimately
//   stays; we therefore accept any router of the top priority; the IP tie-break between two
//   masters is tested directly in fsm.test.ts and by the `tieBreak` scenarios here);
//   VIPs are held by exactly the master and nobody else; every instance runs the configuration
//   in force after the last reload (base priority, advert interval, preempt delay).
import { ip, compareIp, formatIp, type IpBytes } from '../../src/vrrp/addr.ts';
import { makeConfig, initialState, step, advertPriority, type InstanceConfig, type InstanceState, type VrrpAction, type TimerKind, type VrrpEvent } from '../../src/vrrp/fsm.ts';
import { encodeAdvert, receiveAdvert, AUTH_PASS, VRRP_MCAST_V4, VRRP_MCAST_V6, type RxCheckConfig } from '../../src/vrrp/packet.ts';
import { effectivePriority, type TrackerState } from '../../src/vrrp/priority.ts';
import { initialOk } from '../../src/vrrp/runtime-track.ts';
import { stepGroup, type SyncGroupConfig } from '../../src/vrrp/sync-group.ts';
import { corruptAdvert, newChaosCounts, reloadPlan, CHAOS_OPS, HOSTILE_KINDS, type ChaosCounts, type HostileKind, type InstanceSpec, type LastAdvert } from './chaos.ts';
import { EventHeap } from './heap.ts';
import { makeRng, type Rng } from './prng.ts';

/** Mutable: a reload replaces a router's spec for the VRID. */
type RouterSpec = InstanceSpec;

interface VridSpec {
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  vips: IpBytes[];
  /** VRRPv2 PASS authentication (auth_pass), the same on every router. */
  authPass: string | undefined;
  routers: RouterSpec[];
}

interface Router {
  id: number;
  up: boolean;
  gen: number;
  /** Per VRID, bumped when a reload restarts that instance: its old timers are void. */
  igen: Map<number, number>;
  side: number;
  /** per vrid */
  inst: Map<number, InstanceState>;
  vips: Map<number, boolean>;
  trackerOk: Map<number, boolean>;
  ifFault: boolean;
}

type SimEvent =
  | { t: 'timer'; router: number; gen: number; igen: number; vrid: number; kind: TimerKind; token: number }
  | { t: 'deliver'; router: number; vrid: number; payload: Uint8Array; src: IpBytes; dst: IpBytes; ttl: number; copy?: 'dup' | HostileKind; expect?: readonly string[] }
  | { t: 'track_result'; router: number; gen: number; vrids: number[] }
  | { t: 'chaos' }
  | { t: 'restart'; router: number; epoch: number }
  | { t: 'heal' };

export interface ScheduleResult {
  seed: number;
  ok: boolean;
  failure?: string;
  events: number;
  simulatedMs: number;
  masterChanges: number;
  /** The schedule ran its two VRIDs as a sync group. */
  sync: boolean;
  chaos: ChaosCounts;
}

export interface ScheduleOptions {
  chaosMs?: number;
  /** Force the equal-priority scenario: every router the same priority, all started together. */
  tieBreak?: boolean;
  /** Receives a line per log action, chaos operation and check, for replaying a failing seed. */
  trace?: (line: string) => void;
}

function makeSpecs(rng: Rng, opts: ScheduleOptions): { n: number; vrids: VridSpec[]; sync: boolean } {
  const n = 2 + rng.int(4);
  const nv = 1 + rng.int(2);
  // With two VRIDs, sometimes put them in one vrrp_sync_group per router. The routers then rank
  // the same in both VRIDs (same priorities, trackers, address order): a sync group with
  // crossed preferences thrashes in keepalived too, by design ("prefer backup").
  const sync = nv === 2 && !opts.tieBreak && rng.chance(0.4);
  const vrids: VridSpec[] = [];
  for (let v = 0; v < nv; v++) {
    const version: 2 | 3 = rng.chance(0.5) ? 2 : 3;
    const family: 4 | 6 = version === 3 && rng.chance(0.3) ? 6 : 4;
    const shared = version === 2 ? 100 : rng.pick([10, 20, 50, 100]);
    const routers: RouterSpec[] = [];
    const ownerIdx = !opts.tieBreak && rng.chance(0.15) ? rng.int(n) : -1;
    const tiePrio = 1 + rng.int(254);
    for (let r = 0; r < n; r++) {
      const jitter = sync ? 0 : rng.int(2);
      const addr = family === 4 ? ip(`10.0.${v}.${r + 1 + jitter * 100}`) : ip(`fe80::${v}:${(r + 1).toString(16)}${jitter ? '00' : ''}`);
      routers.push({
        addr,
        basePriority: opts.tieBreak ? tiePrio : r === ownerIdx ? 255 : 1 + rng.int(254),
        advertIntCs: version === 3 && !opts.tieBreak && rng.chance(0.3) ? rng.pick([10, 20, 50, 100]) : shared,
        preemptDelayMs: !opts.tieBreak && rng.chance(0.25) ? rng.int(3000) : 0,
        trackerWeight: opts.tieBreak ? 0 : rng.chance(0.5) ? rng.int(101) - 50 : 0,
        rev: 0,
      });
    }
    // unique addresses per VRID
    const seen = new Set<string>();
    for (const r of routers) {
      const k = formatIp(r.addr);
      if (seen.has(k)) r.addr = family === 4 ? ip(`10.1.${v}.${seen.size + 1}`) : ip(`fe80::1:${v}:${seen.size + 1}`);
      seen.add(formatIp(r.addr));
    }
    const vips = family === 4 ? [ip(`192.168.${v}.1`), ip(`192.168.${v}.2`)].slice(0, 1 + rng.int(2)) : [ip(`2001:db8::${v}:1`)];
    if (sync && v === 1) {
      for (let r = 0; r < n; r++) {
        const first = vrids[0].routers[r];
        Object.assign(routers[r], { basePriority: first.basePriority, preemptDelayMs: first.preemptDelayMs, trackerWeight: first.trackerWeight });
      }
    }
    const authPass = version === 2 && rng.chance(0.4) ? `pw${rng.int(1000)}` : undefined;
    vrids.push({ vrid: 10 + v, version, family, vips, authPass, routers });
  }
  return { n, vrids, sync };
}

export function runSchedule(seed: number, opts: ScheduleOptions = {}): ScheduleResult {
  const rng = makeRng(seed);
  const chaosMs = opts.tieBreak ? 0 : (opts.chaosMs ?? 20_000);
  const { n, vrids, sync } = makeSpecs(rng, opts);
  const group: SyncGroupConfig = { name: 'VG_1', members: vrids.map((v) => `VI_${v.vrid}`) };
  // A fault that outlives the heal (e.g. a second link left down) on one instance of one router:
  // that instance -- or, in a sync group, the whole group -- must end in FAULT, and the election
  // runs among the others.
  const persistent = !opts.tieBreak && rng.chance(0.3) ? { router: rng.int(n), vrid: rng.pick(vrids).vrid } : undefined;
  const expectFault = (r: number, vrid: number): boolean =>
    persistent !== undefined && r === persistent.router && (sync || vrid === persistent.vrid);
  const heap = new EventHeap<SimEvent>();
  let now = 0;
  let loss = 0;
  /** Probability that a delivered advert arrives twice (the copy with its own delay). */
  let dup = 0;
  const counts = newChaosCounts();
  const lastAdvert = new Map<number, LastAdvert>();
  /** Bumped at heal: restarts scheduled by the chaos phase are void afterwards. */
  let epoch = 0;
  let events = 0;
  let masterChanges = 0;
  let failure: string | undefined;
  const routers: Router[] = [];
  for (let i = 0; i < n; i++) {
    routers.push({ id: i, up: false, gen: 0, igen: new Map(), side: 0, inst: new Map(), vips: new Map(), trackerOk: new Map(), ifFault: false });
  }

  const trackersOf = (r: Router, v: VridSpec, ok?: boolean): TrackerState[] => {
    const w = v.routers[r.id].trackerWeight;
    return w === 0 ? [] : [{ name: 'chk', weight: w, reverse: false, ok: ok ?? r.trackerOk.get(v.vrid) ?? true }];
  };

  const rxCfg = (v: VridSpec, r: RouterSpec): RxCheckConfig => ({
    name: `VI_${v.vrid}`,
    version: v.version,
    vrid: v.vrid,
    advertIntCs: r.advertIntCs,
    authType: v.authPass !== undefined ? AUTH_PASS : 0,
    authPass: v.authPass,
    vips: v.vips,
  });

  const trace = opts.trace;
  const apply = (r: Router, v: VridSpec, actions: VrrpAction[]): void => {
    for (const a of actions) {
      if (trace && a.type === 'log') trace(`${now.toFixed(3)} r${r.id} ${a.line}`);
      switch (a.type) {
        case 'set_timer':
          heap.push(a.atMs, { t: 'timer', router: r.id, gen: r.gen, igen: r.igen.get(v.vrid) ?? 0, vrid: v.vrid, kind: a.kind, token: a.token });
          break;
        case 'send_advert': {
          const src = v.routers[r.id].addr;
          const dst = ip(v.family === 4 ? VRRP_MCAST_V4 : VRRP_MCAST_V6);
          const payload = encodeAdvert({
            version: v.version,
            vrid: v.vrid,
            priority: a.priority,
            family: v.family,
            addrs: v.vips,
            advertIntCs: a.advertIntCs,
            authType: v.authPass !== undefined ? AUTH_PASS : 0,
            authPass: v.authPass,
            src,
            dst,
          });
          lastAdvert.set(v.vrid, { version: v.version, family: v.family, vrid: v.vrid, priority: a.priority, advertIntCs: a.advertIntCs, vips: v.vips, authPass: v.authPass, src, dst, payload });
          for (const d of routers) {
            if (d.id === r.id || !d.up || d.side !== r.side) continue;
            if (loss > 0 && rng.chance(loss)) continue;
            heap.push(now + rng.range(0.01, 1), { t: 'deliver', router: d.id, vrid: v.vrid, payload, src, dst, ttl: 255 });
            if (dup > 0 && rng.chance(dup)) heap.push(now + rng.range(0.01, 2), { t: 'deliver', router: d.id, vrid: v.vrid, payload, src, dst, ttl: 255, copy: 'dup' });
          }
          break;
        }
        case 'add_vips':
          r.vips.set(v.vrid, true);
          break;
        case 'remove_vips':
          r.vips.set(v.vrid, false);
          break;
        case 'transition':
          if (a.to === 'MASTER') masterChanges++;
          break;
        default:
          break;
      }
    }
  };

  const feed = (r: Router, v: VridSpec, ev: VrrpEvent): void => {
    const s = r.inst.get(v.vrid);
    if (!s) return;
    if (sync) {
      const states: Record<string, InstanceState> = {};
      for (const x of vrids) {
        const st = r.inst.get(x.vrid);
        if (st) states[`VI_${x.vrid}`] = st;
      }
      const res = stepGroup(group, states, `VI_${v.vrid}`, ev);
      for (const x of vrids) {
        const st = res.states[`VI_${x.vrid}`];
        if (st) r.inst.set(x.vrid, st);
      }
      for (const a of res.groupActions) if (trace && a.type === 'log') trace(`${now.toFixed(3)} r${r.id} ${a.line}`);
      for (const part of res.actions) apply(r, vrids.find((x) => `VI_${x.vrid}` === part.instance)!, part.actions);
      return;
    }
    const res = step(s, ev);
    r.inst.set(v.vrid, res.state);
    apply(r, v, res.actions);
  };

  /** The fsm configuration `r` runs for VRID `v` under its current spec. */
  const configOf = (r: Router, v: VridSpec): InstanceConfig => {
    const spec = v.routers[r.id];
    return makeConfig({
      name: `VI_${v.vrid}`,
      vrid: v.vrid,
      version: v.version,
      family: v.family,
      primaryAddr: spec.addr,
      basePriority: spec.basePriority,
      wantMaster: spec.basePriority === 255,
      advertIntCs: spec.advertIntCs,
      preemptDelayMs: spec.preemptDelayMs,
      syncGroup: sync ? group.name : undefined,
    }).config;
  };

  /**
   * A new instance of VRID `v` on `r`, configured from its current spec: tracker states first
   * (`trackerOk` overrides what the trackers say, for a reload's fresh scripts), faults, start.
   */
  const startInstance = (r: Router, v: VridSpec, trackerOk?: boolean): void => {
    const config = configOf(r, v);
    r.igen.set(v.vrid, (r.igen.get(v.vrid) ?? 0) + 1);
    r.inst.set(v.vrid, initialState(config));
    feed(r, v, { type: 'trackers', now, trackers: trackersOf(r, v, trackerOk) });
    if (r.ifFault) feed(r, v, { type: 'fault', now, key: 'eth0', faulted: true });
    feed(r, v, { type: 'start', now });
  };

  /**
   * Starts instances the way the daemon does at start and on reload (runtime.ts
   * #startInstances): script trackers at initialOk() (runtime-track.ts) until the scripts'
   * first results, a little later.
   */
  const startFresh = (r: Router, xs: readonly VridSpec[]): void => {
    for (const x of xs) startInstance(r, x, initialOk({ instance: `VI_${x.vrid}`, weight: x.routers[r.id].trackerWeight, reverse: false }, false));
    const tracked = xs.filter((x) => x.routers[r.id].trackerWeight !== 0);
    if (tracked.length > 0) heap.push(now + rng.range(10, 1500), { t: 'track_result', router: r.id, gen: r.gen, vrids: tracked.map((x) => x.vrid) });
  };

  const boot = (r: Router): void => {
    r.up = true;
    r.gen++;
    // the daemon removes VIPs left by a previous run before starting (issue 4, beyond keepalived)
    for (const v of vrids) r.vips.set(v.vrid, false);
    startFresh(r, vrids);
  };

  const crash = (r: Router): void => {
    r.up = false;
    r.gen++;
    r.inst.clear();
    for (const v of vrids) r.vips.set(v.vrid, false); // host crash: addresses gone with it
  };

  const gracefulStop = (r: Router, handover: boolean): void => {
    for (const v of vrids) feed(r, v, { type: 'stop', now, handover });
    // the process stays up (handover pending) until restart
  };

  // --- initial boot: all at once for tieBreak, staggered otherwise
  for (const r of routers) {
    if (opts.tieBreak) boot(r);
    else heap.push(rng.range(0, 3000), { t: 'restart', router: r.id, epoch });
  }
  // chaos events
  if (chaosMs > 0) {
    const k = 5 + rng.int(20);
    for (let i = 0; i < k; i++) heap.push(rng.range(500, chaosMs), { t: 'chaos' });
  }
  const healAt = chaosMs + 3000;
  heap.push(healAt, { t: 'heal' });
  // The convergence bound comes from the configuration in force at the heal (reloads may have
  // changed intervals and preempt delays), so the check times are set then.
  const settleMs = 3000;
  const checkAt = [Infinity, Infinity];
  const setCheckTimes = (): void => {
    let maxIntMs = 0;
    let maxDelay = 0;
    for (const v of vrids) for (const r of v.routers) {
      maxIntMs = Math.max(maxIntMs, r.advertIntCs * 10);
      maxDelay = Math.max(maxDelay, r.preemptDelayMs);
    }
    const convergeMs = maxDelay + 2 * (3 * maxIntMs + 1000) + 2000;
    checkAt[0] = healAt + convergeMs;
    checkAt[1] = healAt + convergeMs + settleMs;
  };

  /**
   * SIGHUP on router `r` with a new configuration for one VRID (in a sync group: for the group,
   * whose members must keep ranking the routers alike, see makeSpecs). What happens to each
   * instance is reloadPlan (runtime.ts applyModel's rules); the fsm paths are the daemon's:
   * setBasePriority -> `base_priority`; restart -> stop(false), then a new instance started
   * with its script trackers at initialOk() until the scripts' first results.
   */
  const reload = (r: Router): void => {
    const v = rng.pick(vrids);
    const group = sync ? vrids : [v];
    const next = new Map<VridSpec, RouterSpec>(vrids.map((x) => [x, { ...x.routers[r.id] }]));
    const change = rng.pick(['none', 'priority', 'priority', 'other'] as const);
    if (change === 'priority' || (change === 'other' && rng.chance(0.3))) {
      // one address owner per VRID: 255 only if nobody else has it
      const ownerFree = group.every((x) => x.routers.every((o, i) => i === r.id || o.basePriority !== 255));
      const p = ownerFree && rng.chance(0.1) ? 255 : 1 + rng.int(254);
      for (const x of group) next.get(x)!.basePriority = p;
    }
    if (change === 'other') {
      const what = rng.int(3);
      if (what === 0) for (const x of group) next.get(x)!.preemptDelayMs = rng.chance(0.5) ? 0 : rng.int(3000);
      // v3 only: a v2 interval differing from the others' is dropped by every peer (RFC 3768 §7.1)
      else if (what === 1 && v.version === 3) next.get(v)!.advertIntCs = rng.pick([10, 20, 50, 100]);
      else next.get(v)!.rev++; // e.g. a notify script: invisible to the fsm, still a restart
    }
    const plan = reloadPlan(
      vrids.map((x) => ({ name: `VI_${x.vrid}`, prev: x.routers[r.id], next: next.get(x)! })),
      sync,
    );
    const untouched = plan.kept.filter((k) => !plan.reprioritised.has(k));
    trace?.(`${now.toFixed(3)} reload r${r.id}: kept ${untouched.join(',') || '-'}, priority ${[...plan.reprioritised].map(([k, p]) => `${k}=${p}`).join(',') || '-'}, restarted ${plan.restarted.join(',') || '-'}`);
    const byName = (name: string): VridSpec => vrids.find((x) => `VI_${x.vrid}` === name)!;
    for (const x of vrids) x.routers[r.id] = next.get(x)!;
    const before = new Map(vrids.map((x) => [x.vrid, [r.inst.get(x.vrid), r.vips.get(x.vrid)] as const]));
    counts.reloads.kept += untouched.length;
    counts.reloads.priority += plan.reprioritised.size;
    counts.reloads.restarted += plan.restarted.length;
    const going = plan.restarted.map(byName);
    for (const x of going) feed(r, x, { type: 'stop', now, handover: false });
    for (const x of going) {
      const s = r.inst.get(x.vrid);
      if (s?.vipsHeld) failure = `reload: r${r.id} VI_${x.vrid} still holds its VIPs after stop`;
      r.inst.delete(x.vrid);
    }
    for (const [name, p] of plan.reprioritised) {
      const x = byName(name);
      feed(r, x, { type: 'base_priority', now, priority: p, trackers: trackersOf(r, x) });
    }
    // what the daemon promises of a reload: untouched instances are untouched, reprioritised
    // ones keep their state and VIPs (a new priority acts through the next adverts)
    for (const name of plan.kept) {
      const x = byName(name);
      const [s0, vips0] = before.get(x.vrid)!;
      const s1 = r.inst.get(x.vrid);
      if (!plan.reprioritised.has(name) && s1 !== s0) failure = `reload changed the untouched instance ${name} on r${r.id}`;
      if (s1?.state !== s0?.state || r.vips.get(x.vrid) !== vips0) failure = `reload moved the kept instance ${name} on r${r.id} from ${s0?.state} to ${s1?.state}`;
    }
    startFresh(r, going);
  };

  /** Corrupted copies of the last real advert of a VRID, sent to every running router on it. */
  const hostile = (): void => {
    const v = rng.pick(vrids);
    const last = lastAdvert.get(v.vrid);
    if (!last) return;
    const burst = 1 + rng.int(5);
    for (let i = 0; i < burst; i++) {
      const kind = rng.pick(HOSTILE_KINDS);
      const h = corruptAdvert(rng, kind, last);
      trace?.(`${now.toFixed(3)} hostile ${kind} for VI_${v.vrid} (${h.payload.length} bytes, ttl ${h.ttl})`);
      for (const d of routers) {
        if (!d.up || !d.inst.has(v.vrid)) continue;
        heap.push(now + rng.range(0.01, 1), { t: 'deliver', router: d.id, vrid: v.vrid, payload: h.payload, src: last.src, dst: last.dst, ttl: h.ttl, copy: kind, expect: h.expect });
      }
    }
  };

  const chaos = (): void => {
    const r = routers[rng.int(n)];
    let op = CHAOS_OPS[rng.int(CHAOS_OPS.length)];
    // operations on a router need it running (a reload also needs it not stopping: daemon.ts
    // refuses SIGHUP while stopping); otherwise the partition mends
    const stopping = [...r.inst.values()].some((s) => s.state === 'STOP');
    if ((op === 'crash' || op === 'stop' || op === 'tracker' || op === 'if_fault') && !r.up) op = 'mend';
    if (op === 'reload' && (!r.up || stopping)) op = 'mend';
    counts.ops[op]++;
    trace?.(`${now.toFixed(3)} chaos ${op} on r${r.id} (up ${r.up})`);
    if (op === 'crash') {
      crash(r);
      heap.push(now + rng.range(200, 8000), { t: 'restart', router: r.id, epoch });
    } else if (op === 'stop') {
      gracefulStop(r, rng.chance(0.5));
      heap.push(now + rng.range(200, 8000), { t: 'restart', router: r.id, epoch });
    } else if (op === 'partition') {
      for (const x of routers) x.side = rng.int(2);
    } else if (op === 'loss') {
      loss = rng.pick([0, 0.05, 0.2, 0.5]);
    } else if (op === 'duplicate') {
      dup = rng.pick([0, 0.1, 0.5, 1]);
    } else if (op === 'tracker') {
      const v = rng.pick(vrids);
      const ok = !(r.trackerOk.get(v.vrid) ?? true);
      // sync-group trackers apply to every member
      for (const x of sync ? vrids : [v]) {
        r.trackerOk.set(x.vrid, ok);
        feed(r, x, { type: 'trackers', now, trackers: trackersOf(r, x) });
      }
    } else if (op === 'if_fault') {
      r.ifFault = !r.ifFault;
      for (const v of vrids) feed(r, v, { type: 'fault', now, key: 'eth0', faulted: r.ifFault });
    } else if (op === 'reload') {
      reload(r);
    } else if (op === 'hostile') {
      hostile();
    } else {
      for (const x of routers) x.side = 0;
    }
  };

  const check = (): string | undefined => {
    for (const v of vrids) {
      const masters: number[] = [];
      let best = -1;
      for (const r of routers) {
        const s = r.inst.get(v.vrid);
        if (!s) return `router ${r.id} has no instance for VRID ${v.vrid} after heal`;
        if ((s.state === 'FAULT') !== expectFault(r.id, v.vrid)) return `VRID ${v.vrid}: router ${r.id} is ${s.state}, expected ${expectFault(r.id, v.vrid) ? '' : 'not '}FAULT`;
        if (s.state === 'MASTER') masters.push(r.id);
        if (s.state !== 'FAULT') best = Math.max(best, advertPriority(s));
      }
      if (masters.length !== 1) {
        const desc = routers.map((r) => `${r.id}:${r.inst.get(v.vrid)?.state}/${advertPriority(r.inst.get(v.vrid)!)}@${formatIp(v.routers[r.id].addr)}`).join(' ');
        return `VRID ${v.vrid}: ${masters.length} masters (${desc})`;
      }
      const m = routers[masters[0]];
      const mp = advertPriority(m.inst.get(v.vrid)!);
      if (mp !== best) return `VRID ${v.vrid}: master ${m.id} has priority ${mp}, best is ${best}`;
      if (opts.tieBreak) {
        // all started together at the same priority: the highest IP must win (RFC 5798 §6.4.3)
        let top = routers[0];
        for (const r of routers) if (compareIp(v.routers[r.id].addr, v.routers[top.id].addr) > 0) top = r;
        if (top.id !== m.id) return `VRID ${v.vrid}: tie at ${mp} won by ${formatIp(v.routers[m.id].addr)}, expected ${formatIp(v.routers[top.id].addr)}`;
      }
      if (sync) {
        for (const r of routers) {
          const st = vrids.map((x) => r.inst.get(x.vrid)?.state);
          if (st.some((x) => x !== st[0])) return `sync group split on router ${r.id}: ${st.join('/')}`;
        }
      }
      for (const r of routers) {
        // the configuration in force after the last reload is the one running
        const c = r.inst.get(v.vrid)!.config;
        const want = configOf(r, v);
        if (c.basePriority !== want.basePriority || c.advertIntCs !== want.advertIntCs || c.preemptDelayMs !== want.preemptDelayMs || c.wantMaster !== want.wantMaster) {
          return `VRID ${v.vrid}: router ${r.id} runs priority ${c.basePriority} int ${c.advertIntCs} preempt_delay ${c.preemptDelayMs}, configured ${want.basePriority} ${want.advertIntCs} ${want.preemptDelayMs}`;
        }
        // ... and its priority is the one its configuration and trackers give now, so the
        // "highest priority is master" check above is against current priorities
        const eff = effectivePriority(want.basePriority, trackersOf(r, v)).effectivePriority;
        if (r.inst.get(v.vrid)!.effectivePriority !== eff) return `VRID ${v.vrid}: router ${r.id} has priority ${r.inst.get(v.vrid)!.effectivePriority}, its configuration and trackers give ${eff}`;
        const holds = r.vips.get(v.vrid) === true;
        if (holds !== (r.id === m.id)) return `VRID ${v.vrid}: router ${r.id} ${holds ? 'holds' : 'lacks'} the VIPs (master is ${m.id})`;
      }
    }
    return undefined;
  };

  let nextCheck = 0;
  for (let guard = 0; guard < 5_000_000; guard++) {
    const e = heap.peek();
    const due = checkAt[nextCheck];
    if (e === undefined || e.atMs > due) {
      now = due;
      failure = check();
      if (failure) break;
      nextCheck++;
      if (nextCheck >= checkAt.length) break;
      continue;
    }
    heap.pop();
    now = e.atMs;
    events++;
    const ev = e.item;
    switch (ev.t) {
      case 'timer': {
        const r = routers[ev.router];
        if (!r.up || r.gen !== ev.gen || (r.igen.get(ev.vrid) ?? 0) !== ev.igen) break;
        const s = r.inst.get(ev.vrid);
        if (!s || s.timers[ev.kind]?.token !== ev.token) break;
        feed(r, vrids.find((v) => v.vrid === ev.vrid)!, { type: 'timer', now, kind: ev.kind, token: ev.token });
        break;
      }
      case 'deliver': {
        const r = routers[ev.router];
        if (!r.up) break;
        const v = vrids.find((x) => x.vrid === ev.vrid)!;
        const s = r.inst.get(v.vrid);
        if (!s) break;
        const isHostile = ev.copy !== undefined && ev.copy !== 'dup';
        const before = isHostile ? vrids.map((x) => [r.inst.get(x.vrid), r.vips.get(x.vrid)] as const) : [];
        // the daemon's receive path (InstanceRunner.onPacket): checks, then the state machine
        const res = receiveAdvert(ev.payload, { family: v.family, src: ev.src, dst: ev.dst, ttl: ev.ttl }, rxCfg(v, v.routers[r.id]), s.masterAddr);
        if (res.ok) feed(r, v, { type: 'advert', now, advert: res.advert, src: ev.src });
        if (isHostile) {
          // invalid packets never change state (issue 6): dropped, for the reason they were made for
          if (res.ok) failure = `hostile ${ev.copy} advert accepted by r${r.id} VI_${v.vrid}`;
          else if (!ev.expect!.includes(res.reason)) failure = `hostile ${ev.copy} advert dropped as ${res.reason} (${res.detail}), expected ${ev.expect!.join('|')}`;
          else {
            counts.hostile.dropped++;
            counts.hostile.byReason[res.reason] = (counts.hostile.byReason[res.reason] ?? 0) + 1;
          }
          counts.hostile.byKind[ev.copy as HostileKind] = (counts.hostile.byKind[ev.copy as HostileKind] ?? 0) + 1;
          counts.hostile.delivered++;
          if (vrids.some((x, i) => r.inst.get(x.vrid) !== before[i][0] || r.vips.get(x.vrid) !== before[i][1])) failure ??= `hostile ${ev.copy} advert changed r${r.id}'s state`;
          break;
        }
        if (ev.copy === 'dup') counts.duplicatesDelivered++;
        if (!res.ok && res.reason !== 'interval_mismatch') failure = `unexpected drop ${res.reason}: ${res.detail}`;
        break;
      }
      case 'track_result': {
        // started (or restarted by a reload) scripts report their first result
        const r = routers[ev.router];
        if (!r.up || r.gen !== ev.gen) break;
        for (const vrid of ev.vrids) {
          const v = vrids.find((x) => x.vrid === vrid)!;
          feed(r, v, { type: 'trackers', now, trackers: trackersOf(r, v) });
        }
        break;
      }
      case 'restart': {
        if (ev.epoch !== epoch) break;
        const r = routers[ev.router];
        trace?.(`${now.toFixed(3)} restart r${r.id}`);
        if (r.up) crash(r); // a stopped (or handing-over) process is restarted
        boot(r);
        break;
      }
      case 'chaos':
        chaos();
        break;
      case 'heal':
        trace?.(`${now.toFixed(3)} heal`);
        loss = 0;
        dup = 0;
        epoch++;
        setCheckTimes();
        for (const r of routers) {
          r.side = 0;
          if (!r.up || [...r.inst.values()].some((s) => s.state === 'STOP')) {
            if (r.up) crash(r);
            r.ifFault = false;
            boot(r);
          } else if (r.ifFault) {
            r.ifFault = false;
            for (const v of vrids) feed(r, v, { type: 'fault', now, key: 'eth0', faulted: false });
          }
        }
        if (persistent) {
          trace?.(`${now.toFixed(3)} persistent fault on r${persistent.router} VI_${persistent.vrid}`);
          feed(routers[persistent.router], vrids.find((v) => v.vrid === persistent.vrid)!, { type: 'fault', now, key: 'eth1', faulted: true });
        }
        break;
    }
    if (failure) break;
  }
  return { seed, ok: failure === undefined, failure, events, simulatedMs: Math.min(now, checkAt[1]), masterChanges, sync, chaos: counts };
}
