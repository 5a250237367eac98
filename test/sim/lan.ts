// Deterministic multi-router VRRP simulation: N routers running the pure step() of
// src/vrrp/fsm.ts on one simulated LAN, adverts going through the real codec (encodeAdvert /
// receiveAdvert), time driven by a binary-heap event queue. A schedule = a seed: topology,
// priorities, intervals and a chaos phase (crashes, restarts, graceful stops with and without
// handover, partitions, packet loss, tracker flips, interface faults), then the network heals
// and every router is restarted if down. After the convergence time the invariant must hold.
//
// Invariant (checked twice, `settleMs` apart, to see it is stable), per VRID:
//   exactly one MASTER; its advertised priority is the highest of all routers; when that highest
//   priority is unique, it is that router, and among routers sharing it the master is the one
//   with the highest IP if they started competing as masters -- RFC 5798 §6.4.2 lets a backup
//   accept an equal-priority advert, so a lower-IP master that got there first legitimately
//   stays; we therefore accept any router of the top priority; the IP tie-break between two
//   masters is tested directly in fsm.test.ts and by the `tieBreak` scenarios here);
//   VIPs are held by exactly the master and nobody else.
import { ip, compareIp, formatIp, type IpBytes } from '../../src/vrrp/addr.ts';
import { makeConfig, initialState, step, advertPriority, type InstanceState, type VrrpAction, type TimerKind, type VrrpEvent } from '../../src/vrrp/fsm.ts';
import { encodeAdvert, receiveAdvert, VRRP_MCAST_V4, VRRP_MCAST_V6, type RxCheckConfig } from '../../src/vrrp/packet.ts';
import type { TrackerState } from '../../src/vrrp/priority.ts';
import { stepGroup, type SyncGroupConfig } from '../../src/vrrp/sync-group.ts';
import { EventHeap } from './heap.ts';
import { makeRng, type Rng } from './prng.ts';

interface RouterSpec {
  addr: IpBytes;
  basePriority: number;
  advertIntCs: number;
  preemptDelayMs: number;
  trackerWeight: number;
}

interface VridSpec {
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  vips: IpBytes[];
  routers: RouterSpec[];
}

interface Router {
  id: number;
  up: boolean;
  gen: number;
  side: number;
  /** per vrid */
  inst: Map<number, InstanceState>;
  vips: Map<number, boolean>;
  trackerOk: Map<number, boolean>;
  ifFault: boolean;
}

type SimEvent =
  | { t: 'timer'; router: number; gen: number; vrid: number; kind: TimerKind; token: number }
  | { t: 'deliver'; router: number; vrid: number; payload: Uint8Array; src: IpBytes; dst: IpBytes }
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
    vrids.push({ vrid: 10 + v, version, family, vips, routers });
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
  /** Bumped at heal: restarts scheduled by the chaos phase are void afterwards. */
  let epoch = 0;
  let events = 0;
  let masterChanges = 0;
  let failure: string | undefined;
  const routers: Router[] = [];
  for (let i = 0; i < n; i++) {
    routers.push({ id: i, up: false, gen: 0, side: 0, inst: new Map(), vips: new Map(), trackerOk: new Map(), ifFault: false });
  }

  const trackersOf = (r: Router, v: VridSpec): TrackerState[] => {
    const w = v.routers[r.id].trackerWeight;
    return w === 0 ? [] : [{ name: 'chk', weight: w, reverse: false, ok: r.trackerOk.get(v.vrid) ?? true }];
  };

  const rxCfg = (v: VridSpec, r: RouterSpec): RxCheckConfig => ({
    name: `VI_${v.vrid}`,
    version: v.version,
    vrid: v.vrid,
    advertIntCs: r.advertIntCs,
    authType: 0,
    vips: v.vips,
  });

  const trace = opts.trace;
  const apply = (r: Router, v: VridSpec, actions: VrrpAction[]): void => {
    for (const a of actions) {
      if (trace && a.type === 'log') trace(`${now.toFixed(3)} r${r.id} ${a.line}`);
      switch (a.type) {
        case 'set_timer':
          heap.push(a.atMs, { t: 'timer', router: r.id, gen: r.gen, vrid: v.vrid, kind: a.kind, token: a.token });
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
            src,
            dst,
          });
          for (const d of routers) {
            if (d.id === r.id || !d.up || d.side !== r.side) continue;
            if (loss > 0 && rng.chance(loss)) continue;
            heap.push(now + rng.range(0.01, 1), { t: 'deliver', router: d.id, vrid: v.vrid, payload, src, dst });
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

  const boot = (r: Router): void => {
    r.up = true;
    r.gen++;
    for (const v of vrids) {
      const spec = v.routers[r.id];
      const { config } = makeConfig({
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
      });
      // the daemon removes VIPs left by a previous run before starting (issue 4, beyond keepalived)
      r.vips.set(v.vrid, false);
      r.inst.set(v.vrid, initialState(config));
      feed(r, v, { type: 'trackers', now, trackers: trackersOf(r, v) });
      if (r.ifFault) feed(r, v, { type: 'fault', now, key: 'eth0', faulted: true });
      feed(r, v, { type: 'start', now });
    }
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
  let maxIntMs = 0;
  let maxDelay = 0;
  for (const v of vrids) for (const r of v.routers) {
    maxIntMs = Math.max(maxIntMs, r.advertIntCs * 10);
    maxDelay = Math.max(maxDelay, r.preemptDelayMs);
  }
  const convergeMs = maxDelay + 2 * (3 * maxIntMs + 1000) + 2000;
  const settleMs = 3000;
  const checkAt = [healAt + convergeMs, healAt + convergeMs + settleMs];

  const chaos = (): void => {
    const r = routers[rng.int(n)];
    const op = rng.int(7);
    trace?.(`${now.toFixed(3)} chaos op ${op} on r${r.id} (up ${r.up})`);
    if (op === 0 && r.up) {
      crash(r);
      heap.push(now + rng.range(200, 8000), { t: 'restart', router: r.id, epoch });
    } else if (op === 1 && r.up) {
      gracefulStop(r, rng.chance(0.5));
      heap.push(now + rng.range(200, 8000), { t: 'restart', router: r.id, epoch });
    } else if (op === 2) {
      for (const x of routers) x.side = rng.int(2);
    } else if (op === 3) {
      loss = rng.pick([0, 0.05, 0.2, 0.5]);
    } else if (op === 4 && r.up) {
      const v = rng.pick(vrids);
      const ok = !(r.trackerOk.get(v.vrid) ?? true);
      // sync-group trackers apply to every member
      for (const x of sync ? vrids : [v]) {
        r.trackerOk.set(x.vrid, ok);
        feed(r, x, { type: 'trackers', now, trackers: trackersOf(r, x) });
      }
    } else if (op === 5 && r.up) {
      r.ifFault = !r.ifFault;
      for (const v of vrids) feed(r, v, { type: 'fault', now, key: 'eth0', faulted: r.ifFault });
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
        const holds = r.vips.get(v.vrid) === true;
        if (holds !== (r.id === m.id)) return `VRID ${v.vrid}: router ${r.id} ${holds ? 'holds' : 'lacks'} the VIPs (master is ${m.id})`;
      }
    }
    return undefined;
  };

  const endAt = checkAt[1];
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
        if (!r.up || r.gen !== ev.gen) break;
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
        const res = receiveAdvert(ev.payload, { family: v.family, src: ev.src, dst: ev.dst, ttl: 255 }, rxCfg(v, v.routers[r.id]), s.masterAddr);
        if (!res.ok) {
          if (res.reason !== 'interval_mismatch') failure = `unexpected drop ${res.reason}: ${res.detail}`;
          break;
        }
        feed(r, v, { type: 'advert', now, advert: res.advert, src: ev.src });
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
        epoch++;
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
  return { seed, ok: failure === undefined, failure, events, simulatedMs: Math.min(now, endAt), masterChanges, sync };
}
