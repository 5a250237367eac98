// The VRRP state machine of ONE instance, pure: step(state, event) -> { state, actions }.
// No sockets, timers or clock here: time arrives in events (`now`, monotonic ms, fractions
// allowed) and everything to do leaves as actions (send, arm/cancel timer, VIPs, GARP, notify,
// log). Behaviour follows RFC 3768 §6 / RFC 5798 §6 with keepalived 2.x semantics
// (vrrp_init_state, vrrp_state_backup, vrrp_state_master_rx, vrrp_state_become_master,
// vrrp_state_leave_master in keepalived/vrrp/vrrp.c and vrrp_scheduler.c).
//
// Timers: the adapter keeps at most one timer per kind; `set_timer` replaces the previous one of
// that kind. Each carries a token; a `timer` event whose token is not the current one for its
// kind is stale and ignored (counted), so a late or un-cancelled timer can never act.

import { compareIp, formatIp, ipEquals, type IpBytes, type IpFamily } from './addr.ts';
import type { VrrpAdvert } from './packet.ts';
import { effectivePriority, type TrackerState } from './priority.ts';
import { masterDownIntervalUs, skewTimeUs, usToMs, DEFAULT_DOWN_TIMER_ADVERTS, type TimingParams } from './timing.ts';

export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
export type TimerKind = 'master_down' | 'advert' | 'garp' | 'garp_lower' | 'handover';
export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
export type SyncDirective = 'MASTER' | 'BACKUP' | 'FAULT' | 'CLEAR';

/** Gratuitous ARP / unsolicited NA schedule (keepalived garp_* keywords, globals as defaults). */
export interface GarpConfig {
  /** garp_master_delay: second burst after becoming master; 0 = none. Default 5 s. */
  masterDelayMs: number;
  /** garp_master_repeat: packets per VIP per burst. Default 5. */
  masterRepeat: number;
  /** garp_master_refresh: periodic refresh while master; 0 = off (default). */
  masterRefreshMs: number;
  /** garp_master_refresh_repeat. Default 1. */
  masterRefreshRepeat: number;
  /** garp_lower_prio_delay: second burst after hearing a lower advert; 0 = none. Default 5 s. */
  lowerPrioDelayMs: number;
  /** garp_lower_prio_repeat. Default 5. */
  lowerPrioRepeat: number;
}

export const DEFAULT_GARP: GarpConfig = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 5000,
  lowerPrioRepeat: 5,
};

export interface InstanceConfig {
  /** Instance name as in the config (`VI_1`), used in every log line. */
  name: string;
  vrid: number;
  version: 2 | 3;
  family: IpFamily;
  /** 1..255; 255 = address owner. */
  basePriority: number;
  /** Our advert interval in centiseconds (v2: whole seconds * 100). */
  advertIntCs: number;
  /** `state MASTER`. */
  wantMaster: boolean;
  nopreempt: boolean;
  preemptDelayMs: number;
  downTimerAdverts: number;
  /** Our primary (source) address: the tie-breaker of RFC 5798 §6.4.3. */
  primaryAddr: IpBytes;
  garp: GarpConfig;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /** Name of the vrrp_sync_group this instance belongs to, if any (see sync-group.ts). */
  syncGroup?: string;
}

export type InstanceConfigInput = Pick<InstanceConfig, 'name' | 'vrid' | 'primaryAddr'> &
  Omit<Partial<InstanceConfig>, 'garp'> & { garp?: Partial<GarpConfig> };

/**
 * Defaults and keepalived's consistency rules (vrrp_complete_instance / vrrp_state_handler):
 * `state MASTER` with priority < 255 clears nopreempt and preempt_delay (it is only BACKUP that
 * does not wait for preempt); an address owner cannot be nopreempt.
 */
export function makeConfig(input: InstanceConfigInput): { config: InstanceConfig; warnings: string[] } {
  const warnings: string[] = [];
  const basePriority = input.basePriority ?? (input.wantMaster ? 255 : 100);
  const family = input.family ?? (input.primaryAddr.length === 16 ? 6 : 4);
  const config: InstanceConfig = {
    version: family === 6 ? 3 : 2,
    advertIntCs: 100,
    wantMaster: basePriority === 255,
    nopreempt: false,
    preemptDelayMs: 0,
    downTimerAdverts: DEFAULT_DOWN_TIMER_ADVERTS,
    lowerPrioNoAdvert: false,
    // keepalived-ts default (keepalived: off): see resolve-vrrp.ts, issue 6 "stale ARP caches".
    higherPrioSendAdvert: true,
    ...input,
    family,
    basePriority,
    garp: { ...DEFAULT_GARP, ...input.garp },
  };
  if (config.wantMaster && (config.nopreempt || config.preemptDelayMs > 0)) {
    warnings.push(`(${config.name}) Warning - nopreempt/preempt_delay will not work with initial state MASTER - clearing`);
    config.nopreempt = false;
    config.preemptDelayMs = 0;
  }
  if (config.basePriority === 255 && config.nopreempt) {
    warnings.push(`(${config.name}) nopreempt is incompatible with priority 255 - clearing`);
    config.nopreempt = false;
  }
  return { config, warnings };
}

export interface TimerSlot {
  atMs: number;
  token: number;
}

export interface InstanceCounters {
  advertsRx: number;
  advertsTx: number;
  priZeroRx: number;
  priZeroTx: number;
  becomeMaster: number;
  releaseMaster: number;
  discardedLower: number;
  staleTimers: number;
}

export interface InstanceState {
  readonly config: InstanceConfig;
  readonly state: VrrpStateName;
  /** keepalived wantstate: what this instance would be ignoring its sync group. */
  readonly wantState: 'BACKUP' | 'MASTER';
  /**
   * Base priority in force: the configured one, except that an address owner meeting another
   * owner drops itself to 254 (vrrp_state_master_rx "CONFIGURATION ERROR").
   */
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** Master_Adver_Interval (cs): learnt from the master as a v3 backup, ours otherwise. */
  readonly masterAdverIntCs: number;
  /** Address of the master we follow (ours while MASTER). */
  readonly masterAddr: IpBytes | undefined;
  readonly masterPriority: number | undefined;
  /** preempt_delay: lower adverts are accepted until this time (set on the first one). */
  readonly preemptDeadlineMs: number | undefined;
  /** Fault flags from interface/source-address events, by key. */
  readonly interfaceFaults: readonly string[];
  /** Weight-0 trackers currently faulting the instance. */
  readonly trackerFaults: readonly string[];
  /** FAULT forced by the sync group (another member faulted). */
  readonly syncFault: boolean;
  readonly timers: Readonly<Partial<Record<TimerKind, TimerSlot>>>;
  readonly nextToken: number;
  /**
   * VIPs are configured on the interface: MASTER; STOP during a graceful handover; BACKUP for at
   * most CLAIM_GRACE_MS after yielding to a higher-priority master (until its GARP / NA is seen).
   */
  readonly vipsHeld: boolean;
  /** Graceful handover: the new master's first advert was seen; its GARPs are awaited. */
  readonly handoverNewMaster: IpBytes | undefined;
  /** The pending `garp` timer is a garp_master_refresh (not the garp_master_delay burst). */
  readonly garpRefreshing: boolean;
  readonly counters: Readonly<InstanceCounters>;
}

export type VrrpEvent =
  | { type: 'start'; now: number }
  | { type: 'advert'; now: number; advert: VrrpAdvert; src: IpBytes }
  | { type: 'timer'; now: number; kind: TimerKind; token: number }
  | { type: 'trackers'; now: number; trackers: readonly TrackerState[] }
  | { type: 'fault'; now: number; key: string; faulted: boolean }
  | { type: 'stop'; now: number; handover?: boolean }
  | { type: 'sync'; now: number; directive: SyncDirective }
  /** Another host announced one of our VIPs (gratuitous ARP / unsolicited NA) while we hand over. */
  | { type: 'vips_claimed'; now: number }
  /** A reload changed only `priority` (1..254 on both sides): keep the state, take the new base. */
  | { type: 'base_priority'; now: number; priority: number; trackers: readonly TrackerState[] };

export type VrrpAction =
  /** Send one advert now (priority 0 = "master leaving"). */
  | { type: 'send_advert'; priority: number; advertIntCs: number }
  | { type: 'set_timer'; kind: TimerKind; atMs: number; token: number }
  | { type: 'cancel_timer'; kind: TimerKind }
  | { type: 'add_vips' }
  | { type: 'remove_vips' }
  /** Send `repeat` gratuitous ARPs / unsolicited NAs per VIP now. */
  | { type: 'garp'; repeat: number }
  /** Start / stop watching the wire for another host's GARP / NA for our VIPs (handover). */
  | { type: 'watch_claims'; on: boolean }
  /** notify_master|backup|fault|stop + `notify ... INSTANCE name STATE priority` + FIFO. */
  | { type: 'notify'; state: NotifyState; priority: number }
  /** notify_master_rx_lower_pri and FIFO `MASTER_RX_LOWER_PRI`. */
  | { type: 'notify_master_rx_lower_pri'; priority: number }
  /** level 'detail' = keepalived prints it only with -D/--log-detail. */
  | { type: 'log'; level: 'info' | 'detail'; line: string }
  /** Every state change, for the sync-group coordinator and the daemon's bookkeeping. */
  | { type: 'transition'; from: VrrpStateName; to: VrrpStateName; followingGroup: boolean }
  /** Sync-group member whose master-down timer expired: it wants MASTER (vrrp_sync_can_goto_master). */
  | { type: 'want_master' }
  /** Sync-group member in FAULT whose own faults all cleared. */
  | { type: 'fault_cleared' }
  /** The instance reached STOP and holds nothing any more: the daemon may exit once all have. */
  | { type: 'stopped' };

export interface StepResult {
  state: InstanceState;
  actions: VrrpAction[];
}

/**
 * Graceful handover: how long the old master keeps its VIPs after the new master's first advert
 * when it sees no gratuitous ARP / NA from it (beyond keepalived, which has released long before).
 * The new master announces within a netlink round trip of that advert, so this only matters when
 * its GARPs are disabled or lost; both hosts serving the VIP for that long is harmless.
 */
export const CLAIM_GRACE_MS = 200;

const ZERO_COUNTERS: InstanceCounters = {
  advertsRx: 0,
  advertsTx: 0,
  priZeroRx: 0,
  priZeroTx: 0,
  becomeMaster: 0,
  releaseMaster: 0,
  discardedLower: 0,
  staleTimers: 0,
};

/** A new instance in INIT; send it `start` to begin. */
export function initialState(config: InstanceConfig): InstanceState {
  return {
    config,
    state: 'INIT',
    wantState: config.wantMaster ? 'MASTER' : 'BACKUP',
    basePriority: config.basePriority,
    effectivePriority: config.basePriority,
    masterAdverIntCs: config.advertIntCs,
    masterAddr: undefined,
    masterPriority: undefined,
    preemptDeadlineMs: undefined,
    interfaceFaults: [],
    trackerFaults: [],
    syncFault: false,
    timers: {},
    nextToken: 1,
    vipsHeld: false,
    handoverNewMaster: undefined,
    garpRefreshing: false,
    counters: ZERO_COUNTERS,
  };
}

/** The timing inputs for this instance now. */
export function timingOf(s: InstanceState): TimingParams {
  return {
    version: s.config.version,
    basePriority: s.basePriority,
    effectivePriority: s.effectivePriority,
    masterAdverIntCs: s.masterAdverIntCs,
    downTimerAdverts: s.config.downTimerAdverts,
  };
}

/** master_down_interval in ms (fractional) for the current priority and Master_Adver_Interval. */
export function masterDownIntervalMs(s: InstanceState): number {
  return usToMs(masterDownIntervalUs(timingOf(s)));
}

/** skew_time in ms (fractional). */
export function skewTimeMs(s: InstanceState): number {
  return usToMs(skewTimeUs(timingOf(s)));
}

/** The priority we advertise: 255 for an owner, else the effective priority. */
export function advertPriority(s: InstanceState): number {
  return s.basePriority === 255 ? 255 : s.effectivePriority;
}

export function isFaulted(s: InstanceState): boolean {
  return s.interfaceFaults.length > 0 || s.trackerFaults.length > 0;
}

// --- the step function -------------------------------------------------------------------

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Ctx {
  s: Mutable<InstanceState>;
  timers: Partial<Record<TimerKind, TimerSlot>>;
  counters: InstanceCounters;
  actions: VrrpAction[];
}

export function step(state: InstanceState, event: VrrpEvent): StepResult {
  const ctx: Ctx = {
    s: { ...state },
    timers: { ...state.timers },
    counters: { ...state.counters },
    actions: [],
  };
  dispatch(ctx, event);
  ctx.s.timers = ctx.timers;
  ctx.s.counters = ctx.counters;
  return { state: ctx.s, actions: ctx.actions };
}

function dispatch(ctx: Ctx, ev: VrrpEvent): void {
  switch (ev.type) {
    case 'start':
      return onStart(ctx, ev.now);
    case 'advert':
      return onAdvert(ctx, ev.now, ev.advert, ev.src);
    case 'timer':
      return onTimer(ctx, ev.now, ev.kind, ev.token);
    case 'trackers':
      return onTrackers(ctx, ev.now, ev.trackers);
    case 'fault':
      return onFault(ctx, ev.now, ev.key, ev.faulted);
    case 'stop':
      return onStop(ctx, ev.now, ev.handover === true);
    case 'sync':
      return onSync(ctx, ev.now, ev.directive);
    case 'base_priority':
      return onBasePriority(ctx, ev.now, ev.priority, ev.trackers);
    case 'vips_claimed':
      if (ctx.s.state === 'STOP' && ctx.s.vipsHeld) {
        finishHandover(ctx, `(${name(ctx)}) new master's gratuitous ARP/NA seen, releasing VIPs`);
      } else if (ctx.s.state === 'BACKUP' && ctx.s.vipsHeld) {
        releaseYielded(ctx, `(${name(ctx)}) new master's gratuitous ARP/NA seen, releasing VIPs`);
      }
      return;
  }
}

// --- small helpers ---

function name(ctx: Ctx): string {
  return ctx.s.config.name;
}

function log(ctx: Ctx, line: string, level: 'info' | 'detail' = 'info'): void {
  ctx.actions.push({ type: 'log', level, line });
}

function setTimer(ctx: Ctx, kind: TimerKind, atMs: number): void {
  const token = ctx.s.nextToken;
  ctx.s.nextToken = token + 1;
  ctx.timers[kind] = { atMs, token };
  ctx.actions.push({ type: 'set_timer', kind, atMs, token });
}

function cancelTimer(ctx: Ctx, kind: TimerKind): void {
  if (ctx.timers[kind] === undefined) return;
  delete ctx.timers[kind];
  ctx.actions.push({ type: 'cancel_timer', kind });
}

function cancelAllTimers(ctx: Ctx): void {
  for (const k of Object.keys(ctx.timers) as TimerKind[]) cancelTimer(ctx, k);
}

function sendAdvert(ctx: Ctx, priority: number): void {
  ctx.actions.push({ type: 'send_advert', priority, advertIntCs: ctx.s.config.advertIntCs });
  ctx.counters.advertsTx++;
  if (priority === 0) {
    ctx.counters.priZeroTx++;
    log(ctx, `(${name(ctx)}) sent 0 priority`, 'detail');
  }
}

function transition(ctx: Ctx, to: VrrpStateName, followingGroup: boolean): void {
  const from = ctx.s.state;
  ctx.s.state = to;
  ctx.actions.push({ type: 'transition', from, to, followingGroup });
}

function notify(ctx: Ctx, state: NotifyState, followingGroup: boolean): void {
  // vrrp_sync.c / send_instance_notifies: an instance that merely follows its sync group does
  // not run its own notifies; the group's notify (priority 0) is sent by the coordinator.
  if (!followingGroup) ctx.actions.push({ type: 'notify', state, priority: advertPriority(ctx.s) });
}

function armMasterDown(ctx: Ctx, now: number, delayMs: number): void {
  setTimer(ctx, 'master_down', now + delayMs);
}

/** RFC 5798 §6.4.2: a v3 backup sets Master_Adver_Interval from the accepted advert. */
function adoptMasterInterval(ctx: Ctx, adv: VrrpAdvert, by: 'master' | 'new master'): void {
  if (ctx.s.config.version !== 3 || adv.advertIntCs <= 0) return;
  if (adv.advertIntCs === ctx.s.masterAdverIntCs) return;
  log(
    ctx,
    `(${name(ctx)}) advertisement interval updated from ${ctx.s.masterAdverIntCs * 10}ms to ${adv.advertIntCs * 10}ms by ${by}`,
    'detail',
  );
  ctx.s.masterAdverIntCs = adv.advertIntCs;
}

// --- transitions ---

/**
 * vrrp_state_become_master: advert first, then VIPs, GARPs, notifies; revert to our interval.
 * `why` is the line that explains the takeover, logged after the advert is on its way (writing a
 * log line costs the runner ~0.1 ms, which a 10 ms advert_int takeover should not wait for).
 */
function becomeMaster(ctx: Ctx, now: number, followingGroup: boolean, why?: string): void {
  const s = ctx.s;
  cancelTimer(ctx, 'master_down');
  // RFC 5798 §6.4.2 "Set the Adver_Timer to Advertisement_Interval"; a master uses its own.
  s.masterAdverIntCs = s.config.advertIntCs;
  // "Send an ADVERTISEMENT" first so the old master drops its VIPs before our GARPs.
  sendAdvert(ctx, advertPriority(s));
  if (why !== undefined) log(ctx, why, 'detail');
  if (s.vipsHeld) {
    // Still holding them after yielding (releaseYielded): keep them, stop waiting to release.
    cancelTimer(ctx, 'handover');
    ctx.actions.push({ type: 'watch_claims', on: false });
  }
  transition(ctx, 'MASTER', followingGroup);
  s.wantState = 'MASTER';
  log(ctx, `(${name(ctx)}) Entering MASTER STATE`);
  log(ctx, `(${name(ctx)}) setting VIPs.`, 'detail');
  ctx.actions.push({ type: 'add_vips' });
  s.vipsHeld = true;
  const g = s.config.garp;
  ctx.actions.push({ type: 'garp', repeat: g.masterRepeat });
  s.garpRefreshing = g.masterDelayMs <= 0;
  if (g.masterDelayMs > 0) setTimer(ctx, 'garp', now + g.masterDelayMs);
  else if (g.masterRefreshMs > 0) setTimer(ctx, 'garp', now + g.masterRefreshMs);
  notify(ctx, 'MASTER', followingGroup);
  setTimer(ctx, 'advert', now + s.config.advertIntCs * 10);
  s.masterAddr = s.config.primaryAddr;
  s.masterPriority = advertPriority(s);
  s.preemptDeadlineMs = undefined;
  ctx.counters.becomeMaster++;
}

/**
 * vrrp_state_leave_master: optional priority-0 advert, VIPs removed, master timers cancelled.
 * `yieldAt`: yielding to a higher-priority master, keep the VIPs until its GARP / NA shows (see
 * releaseYielded) -- make-before-break, as the graceful handover.
 */
function leaveMaster(ctx: Ctx, sendPriorityZero: boolean, yieldAt?: number): void {
  if (sendPriorityZero) sendAdvert(ctx, 0);
  if (ctx.s.vipsHeld && yieldAt !== undefined) {
    // keepalived removes the VIPs at once; the new master adds its own and announces them a
    // netlink round trip (a few ms for a daemon just started) after its advert, and clients
    // sending in between are dropped. We keep answering until its GARP / NA is seen on the
    // wire ('vips_claimed'), CLAIM_GRACE_MS at most. Both hosts serving the VIP for that
    // moment is harmless: the GARPs decide where clients send.
    log(ctx, `(${name(ctx)}) keeping VIPs until the new master announces them`, 'detail');
    ctx.actions.push({ type: 'watch_claims', on: true });
    setTimer(ctx, 'handover', yieldAt + CLAIM_GRACE_MS);
  } else if (ctx.s.vipsHeld) {
    log(ctx, `(${name(ctx)}) removing VIPs.`, 'detail');
    ctx.actions.push({ type: 'remove_vips' });
    ctx.s.vipsHeld = false;
  }
  cancelTimer(ctx, 'advert');
  cancelTimer(ctx, 'garp');
  cancelTimer(ctx, 'garp_lower');
  ctx.counters.releaseMaster++;
}

function enterBackup(ctx: Ctx, now: number, opts: { init?: boolean; followingGroup?: boolean; downMs?: number }): void {
  transition(ctx, 'BACKUP', opts.followingGroup === true);
  ctx.s.wantState = 'BACKUP';
  // vrrp_state_leave_master / vrrp_state_leave_fault: a fresh BACKUP has no preempt deadline.
  ctx.s.preemptDeadlineMs = undefined;
  log(ctx, `(${name(ctx)}) Entering BACKUP STATE${opts.init ? ' (init)' : ''}`);
  notify(ctx, 'BACKUP', opts.followingGroup === true);
  armMasterDown(ctx, now, opts.downMs ?? masterDownIntervalMs(ctx.s));
}

/** Any state -> FAULT (vrrp_state_leave_fault's counterpart): a master sends priority 0 first. */
function enterFault(ctx: Ctx, opts: { init?: boolean; followingGroup?: boolean }): void {
  if (ctx.s.state === 'MASTER') leaveMaster(ctx, true);
  else if (ctx.s.vipsHeld) releaseYielded(ctx, `(${name(ctx)}) fault while yielding, releasing VIPs`);
  cancelTimer(ctx, 'master_down');
  ctx.s.preemptDeadlineMs = undefined;
  transition(ctx, 'FAULT', opts.followingGroup === true);
  log(ctx, `(${name(ctx)}) Entering FAULT STATE${opts.init ? ' (init)' : ''}`);
  notify(ctx, 'FAULT', opts.followingGroup === true);
}

/** Leaving FAULT always goes BACKUP; an owner wanting MASTER waits only adver_int + skew (2.7). */
function leaveFault(ctx: Ctx, now: number, followingGroup: boolean): void {
  const s = ctx.s;
  s.masterAdverIntCs = s.config.advertIntCs;
  const ownerWantsMaster = s.basePriority === 255 && s.config.wantMaster;
  const downMs = ownerWantsMaster ? s.config.advertIntCs * 10 + skewTimeMs(s) : undefined;
  enterBackup(ctx, now, { followingGroup, downMs });
}

// --- event handlers ---

/** vrrp_init_state. */
function onStart(ctx: Ctx, now: number): void {
  const s = ctx.s;
  if (s.state !== 'INIT') return;
  if (isFaulted(s)) return enterFault(ctx, { init: true });
  // Only an address owner that wants MASTER skips the wait (RFC 5798 §6.4.1: "If the Priority
  // is 255 ... transition to the Master state"); `state MASTER` below 255 behaves as BACKUP.
  if (s.config.wantMaster && s.basePriority === 255) return becomeMaster(ctx, now, false);
  // "Set Master_Down_Timer to Master_Down_Interval; transition to the Backup state".
  enterBackup(ctx, now, { init: true });
}

function onAdvert(ctx: Ctx, now: number, adv: VrrpAdvert, src: IpBytes): void {
  ctx.counters.advertsRx++;
  if (adv.priority === 0) ctx.counters.priZeroRx++;
  switch (ctx.s.state) {
    case 'BACKUP':
      return backupRx(ctx, now, adv, src);
    case 'MASTER':
      return masterRx(ctx, now, adv, src);
    case 'STOP': {
      // Graceful handover: the first advert of another router with priority > 0 is the new
      // master. It sends that advert BEFORE it adds the VIPs and sends its GARPs (RFC 5798
      // §6.4.2 order), so releasing now would leave clients whose ARP caches still point here
      // unanswered until the GARPs land. Keep serving until the GARP / NA itself is seen
      // ('vips_claimed'), or CLAIM_GRACE_MS at most (GARPs disabled, lost, or not watchable).
      const s = ctx.s;
      if (s.vipsHeld && s.handoverNewMaster === undefined && adv.priority > 0 && !ipEquals(src, s.config.primaryAddr)) {
        s.handoverNewMaster = src;
        log(ctx, `(${name(ctx)}) new master ${formatIp(src)} seen, releasing VIPs once its gratuitous ARPs are out`);
        const bound = s.timers.handover?.atMs ?? Infinity;
        setTimer(ctx, 'handover', Math.min(bound, now + CLAIM_GRACE_MS));
      }
      return;
    }
    default:
      return; // INIT, FAULT: adverts are ignored
  }
}

/** vrrp_state_backup (RFC 5798 §6.4.2 "If an ADVERTISEMENT is received"). */
function backupRx(ctx: Ctx, now: number, adv: VrrpAdvert, src: IpBytes): void {
  const s = ctx.s;
  if (adv.priority === 0) {
    // "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time".
    log(ctx, `(${name(ctx)}) Backup received priority 0 advertisement`, 'detail');
    armMasterDown(ctx, now, skewTimeMs(s));
    return;
  }
  const lower = adv.priority < s.effectivePriority;
  const inPreemptDelay = s.config.preemptDelayMs > 0 && (s.preemptDeadlineMs === undefined || now < s.preemptDeadlineMs);
  // "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or equal
  // to the local Priority": accept. keepalived adds preempt_delay: lower adverts are accepted
  // until the deadline started by the first of them. Equal priority is always accepted here;
  // only a MASTER applies the IP tie-break.
  if (s.config.nopreempt || !lower || inPreemptDelay) {
    if (s.config.preemptDelayMs > 0) {
      if (!lower) s.preemptDeadlineMs = undefined;
      else if (s.preemptDeadlineMs === undefined) s.preemptDeadlineMs = now + s.config.preemptDelayMs;
    }
    adoptMasterInterval(ctx, adv, 'master');
    s.masterAddr = src;
    s.masterPriority = adv.priority;
    s.wantState = 'BACKUP';
    // "Reset the Master_Down_Timer to Master_Down_Interval".
    armMasterDown(ctx, now, masterDownIntervalMs(s));
    return;
  }
  // "Discard the ADVERTISEMENT": no timer reset, so we preempt when it expires.
  ctx.counters.discardedLower++;
  log(ctx, `(${name(ctx)}) received lower priority (${adv.priority}) advert from ${formatIp(src)} - discarding`);
}

/** vrrp_state_master_rx (RFC 5798 §6.4.3 "If an ADVERTISEMENT is received"). */
function masterRx(ctx: Ctx, now: number, adv: VrrpAdvert, src: IpBytes): void {
  const s = ctx.s;
  const n = name(ctx);
  const from = formatIp(src);
  if (adv.priority === 0) {
    // "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the
    // Adver_Timer to Advertisement_Interval".
    log(ctx, `(${n}) Master received priority 0 message`, 'detail');
    sendAdvert(ctx, advertPriority(s));
    setTimer(ctx, 'advert', now + s.config.advertIntCs * 10);
    return;
  }
  const cmp = compareIp(src, s.config.primaryAddr);
  if (adv.priority === advertPriority(s) && cmp === 0) {
    log(ctx, `(${n}) WARNING - equal priority advert received from remote host with our IP address.`);
    return;
  }
  let ours = advertPriority(s);
  if (adv.priority === ours && ours === 255) {
    // Two address owners: keepalived reports it and drops its own base priority to 254, so the
    // other owner's 255 adverts win below.
    log(ctx, `(${n}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`);
    s.basePriority = 254;
    s.effectivePriority = 254;
    ours = 254;
  }
  if (adv.priority < ours || (adv.priority === ours && cmp < 0)) {
    // Lower (or equal from a lower address): we stay master and re-assert ourselves.
    const suffix = s.config.lowerPrioNoAdvert ? '' : ', forcing new election';
    log(ctx, `(${n}) Received advert from ${from} with lower priority ${adv.priority}, ours ${ours}${suffix}`);
    // One extra advert; the regular Adver_Timer cadence is kept (vrrp_state_master_rx).
    if (!s.config.lowerPrioNoAdvert) sendAdvert(ctx, ours);
    // garp_lower_prio_repeat GARPs now, and again after garp_lower_prio_delay (0 = none).
    const g = s.config.garp;
    if (g.lowerPrioRepeat > 0) {
      ctx.actions.push({ type: 'garp', repeat: g.lowerPrioRepeat });
      if (g.lowerPrioDelayMs > 0) setTimer(ctx, 'garp_lower', now + g.lowerPrioDelayMs);
    }
    ctx.actions.push({ type: 'notify_master_rx_lower_pri', priority: adv.priority });
    return;
  }
  // "If the Priority in the ADVERTISEMENT is greater than the local Priority, or the Priority
  // is equal and the primary IPvX Address of the sender is greater than the local primary IPvX
  // Address": Cancel Adver_Timer, set Master_Down_Timer, transition to Backup.
  if (adv.priority > ours) log(ctx, `(${n}) Master received advert from ${from} with higher priority ${adv.priority}, ours ${ours}`);
  else log(ctx, `(${n}) Master received advert from ${from} with same priority ${adv.priority} but higher IP address than ours`);
  if (s.config.higherPrioSendAdvert) sendAdvert(ctx, ours);
  // A sync group moves as one: its members release together, at once.
  leaveMaster(ctx, false, s.config.syncGroup === undefined ? now : undefined);
  adoptMasterInterval(ctx, adv, 'new master');
  s.masterAddr = src;
  s.masterPriority = adv.priority;
  enterBackup(ctx, now, {});
}

function onTimer(ctx: Ctx, now: number, kind: TimerKind, token: number): void {
  const slot = ctx.timers[kind];
  if (slot === undefined || slot.token !== token) {
    ctx.counters.staleTimers++;
    return;
  }
  delete ctx.timers[kind];
  const s = ctx.s;
  switch (kind) {
    case 'master_down':
      if (s.state !== 'BACKUP') return;
      // RFC 5798 §6.4.2 "If the Master_Down_Timer fires".
      if (s.config.syncGroup !== undefined) {
        log(ctx, `(${name(ctx)}) Receive advertisement timeout`, 'detail');
        // vrrp_sync_can_goto_master: the coordinator decides; meanwhile stay BACKUP, re-armed.
        s.wantState = 'MASTER';
        ctx.actions.push({ type: 'want_master' });
        armMasterDown(ctx, now, masterDownIntervalMs(s));
        return;
      }
      return becomeMaster(ctx, now, false, `(${name(ctx)}) Receive advertisement timeout`);
    case 'advert':
      if (s.state !== 'MASTER') return;
      // "If the Adver_Timer fires: Send an ADVERTISEMENT; Reset the Adver_Timer".
      sendAdvert(ctx, advertPriority(s));
      setTimer(ctx, 'advert', now + s.config.advertIntCs * 10);
      return;
    case 'garp': {
      if (s.state !== 'MASTER') return;
      // After garp_master_delay: the second burst; then every garp_master_refresh.
      const g = s.config.garp;
      ctx.actions.push({ type: 'garp', repeat: s.garpRefreshing ? g.masterRefreshRepeat : g.masterRepeat });
      s.garpRefreshing = true;
      if (g.masterRefreshMs > 0) setTimer(ctx, 'garp', now + g.masterRefreshMs);
      return;
    }
    case 'garp_lower':
      if (s.state !== 'MASTER') return;
      ctx.actions.push({ type: 'garp', repeat: s.config.garp.lowerPrioRepeat });
      return;
    case 'handover':
      if (s.state === 'BACKUP' && s.vipsHeld) {
        releaseYielded(ctx, `(${name(ctx)}) no gratuitous ARP/NA from the new master within ${CLAIM_GRACE_MS} ms, releasing VIPs`);
        return;
      }
      if (s.state === 'STOP' && s.vipsHeld) {
        finishHandover(
          ctx,
          s.handoverNewMaster !== undefined
            ? `(${name(ctx)}) no gratuitous ARP/NA from the new master within ${CLAIM_GRACE_MS} ms, releasing VIPs`
            : `(${name(ctx)}) no new master within the longest master_down_interval, releasing VIPs`,
        );
      }
      return;
  }
}


/**
 * SIGHUP with a new `priority` only: keepalived re-reads the file and restores each instance's
 * state (restore_vrrp_state), so a master stays master and announces its new priority in its next
 * advert, and a backup's pending master-down timer follows the new skew. Restarting the instance
 * instead (priority 0, VIPs released) would fail over on every priority edit. The address owner
 * (255) has other rules and is never changed in place (the runtime restarts it).
 */
function onBasePriority(ctx: Ctx, now: number, priority: number, trackers: readonly TrackerState[]): void {
  const s = ctx.s;
  if (priority === s.config.basePriority || priority < 1 || priority > 254 || s.config.basePriority === 255) return;
  log(ctx, `(${name(ctx)}) base priority changed from ${s.config.basePriority} to ${priority} by reload`);
  s.config = { ...s.config, basePriority: priority };
  s.basePriority = priority;
  if (s.state === 'INIT' || s.state === 'STOP') {
    s.effectivePriority = effectivePriority(priority, trackers).effectivePriority;
    return;
  }
  onTrackers(ctx, now, trackers);
}

function onTrackers(ctx: Ctx, now: number, trackers: readonly TrackerState[]): void {
  const s = ctx.s;
  const r = effectivePriority(s.basePriority, trackers);
  s.trackerFaults = r.faults;
  if (s.state === 'INIT') {
    // Initial tracker states before `start` set the starting priority silently.
    s.effectivePriority = r.effectivePriority;
  } else if (r.effectivePriority !== s.effectivePriority && s.state !== 'STOP') {
    log(ctx, `(${name(ctx)}) Changing effective priority from ${s.effectivePriority} to ${r.effectivePriority}`);
    const oldSkewMs = skewTimeMs(s);
    s.effectivePriority = r.effectivePriority;
    // While BACKUP, move the pending master-down deadline by the change in skew_time so the
    // timer stays consistent with the new priority (vrrp_set_effective_priority). While MASTER
    // the new priority simply goes out in the next advert.
    const md = ctx.timers['master_down'];
    if (s.state === 'BACKUP' && md !== undefined) {
      setTimer(ctx, 'master_down', Math.max(now, md.atMs + (skewTimeMs(s) - oldSkewMs)));
    }
  }
  reevaluateFaults(ctx, now);
}

function onFault(ctx: Ctx, now: number, key: string, faulted: boolean): void {
  const s = ctx.s;
  const has = s.interfaceFaults.includes(key);
  if (faulted && !has) s.interfaceFaults = [...s.interfaceFaults, key].sort();
  else if (!faulted && has) s.interfaceFaults = s.interfaceFaults.filter((k) => k !== key);
  reevaluateFaults(ctx, now);
}

/** down_instance / try_up_instance (vrrp_track.c, vrrp_scheduler.c). */
function reevaluateFaults(ctx: Ctx, now: number): void {
  const s = ctx.s;
  if (s.state === 'INIT' || s.state === 'STOP') return;
  const faulted = isFaulted(s);
  if (faulted && (s.state === 'BACKUP' || s.state === 'MASTER')) return enterFault(ctx, {});
  if (!faulted && s.state === 'FAULT') {
    if (s.config.syncGroup !== undefined) {
      // The group leaves FAULT only when every member is clear: the coordinator sends CLEAR.
      ctx.actions.push({ type: 'fault_cleared' });
      return;
    }
    leaveFault(ctx, now, false);
  }
}

function onStop(ctx: Ctx, now: number, handover: boolean): void {
  const s = ctx.s;
  if (s.state === 'STOP') {
    // A plain stop during a pending handover (e.g. a second SIGTERM) releases at once.
    if (s.vipsHeld && !handover) finishHandover(ctx, `(${name(ctx)}) stop requested, releasing VIPs without waiting for a new master`);
    return;
  }
  if (s.state === 'MASTER' && handover) {
    // Make-before-break (beyond keepalived): send priority 0 so the backups take over after
    // skew_time only (RFC 5798 §6.4.2), but keep the VIPs and keep answering for them until
    // the new master's first advert arrives (it advertises before it sends GARPs, and its
    // GARPs then move the clients), bounded by master_down_interval in case nobody takes over.
    // We stop advertising, so no backup is held back. A short overlap of the VIP on two hosts
    // is harmless: both serve it, and the GARPs decide where clients send. The bound is the
    // longest master_down_interval any backup can have (priority 1), so that even if our
    // priority-0 advert is lost the VIPs stay until a backup's own timer has made it master.
    sendAdvert(ctx, 0);
    cancelTimer(ctx, 'advert');
    cancelTimer(ctx, 'garp');
    cancelTimer(ctx, 'garp_lower');
    cancelTimer(ctx, 'master_down');
    transition(ctx, 'STOP', false);
    log(ctx, `(${name(ctx)}) handing over: keeping VIPs until a new master advertises`);
    setTimer(ctx, 'handover', now + handoverBoundMs(s));
    // Watch from now on, not from the new master's advert: its GARP may be read first.
    ctx.actions.push({ type: 'watch_claims', on: true });
    return;
  }
  if (s.state === 'MASTER') leaveMaster(ctx, true);
  else if (s.vipsHeld) releaseYielded(ctx, `(${name(ctx)}) stopping, releasing VIPs`);
  cancelAllTimers(ctx);
  transition(ctx, 'STOP', false);
  ctx.actions.push({ type: 'notify', state: 'STOP', priority: advertPriority(s) });
  ctx.actions.push({ type: 'stopped' });
}

/** master_down_interval of a priority-1 backup at our advert interval: the handover bound. */
export function handoverBoundMs(s: InstanceState): number {
  return usToMs(
    masterDownIntervalUs({
      version: s.config.version,
      basePriority: 1,
      effectivePriority: 1,
      masterAdverIntCs: s.config.advertIntCs,
      downTimerAdverts: s.config.downTimerAdverts,
    }),
  );
}

/** A backup that yielded with its VIPs kept (leaveMaster's yieldAt) lets them go now. */
function releaseYielded(ctx: Ctx, line: string): void {
  log(ctx, line, 'detail');
  ctx.actions.push({ type: 'remove_vips' });
  ctx.actions.push({ type: 'watch_claims', on: false });
  ctx.s.vipsHeld = false;
  cancelTimer(ctx, 'handover');
}

function finishHandover(ctx: Ctx, line: string): void {
  log(ctx, line);
  log(ctx, `(${name(ctx)}) removing VIPs.`, 'detail');
  ctx.actions.push({ type: 'remove_vips' });
  ctx.actions.push({ type: 'watch_claims', on: false });
  ctx.s.vipsHeld = false;
  ctx.s.handoverNewMaster = undefined;
  ctx.counters.releaseMaster++;
  cancelAllTimers(ctx);
  ctx.actions.push({ type: 'notify', state: 'STOP', priority: advertPriority(ctx.s) });
  ctx.actions.push({ type: 'stopped' });
}

/** Directives from the sync-group coordinator (vrrp_sync_master / _backup / _fault). */
function onSync(ctx: Ctx, now: number, d: SyncDirective): void {
  const s = ctx.s;
  if (s.state === 'STOP' || s.state === 'INIT') return;
  switch (d) {
    case 'MASTER':
      if (s.state === 'BACKUP') becomeMaster(ctx, now, true);
      return;
    case 'BACKUP':
      if (s.state === 'MASTER') {
        leaveMaster(ctx, false);
        enterBackup(ctx, now, { followingGroup: true });
      } else if (s.state === 'BACKUP') {
        s.wantState = 'BACKUP';
      }
      return;
    case 'FAULT':
      s.syncFault = true;
      if (s.state === 'BACKUP' || s.state === 'MASTER') enterFault(ctx, { followingGroup: true });
      return;
    case 'CLEAR':
      s.syncFault = false;
      if (s.state === 'FAULT' && !isFaulted(s)) leaveFault(ctx, now, true);
      return;
  }
}
