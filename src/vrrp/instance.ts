// Runs the pure state machine (fsm.ts) of ONE instance against the world: feeds it events
// (adverts from the transport, timers from the Clock, tracker and interface changes, stop) and
// executes the actions it returns through ports (transport, Clock timers, VIP manager, GARP
// sender, notifier, logger). Nothing here decides VRRP behaviour; it only carries it out.
//
// A bug (an exception out of step() or out of an action) resets THIS instance: its timers are
// cancelled, its VIPs released, and it starts again from INIT as at daemon start; the daemon and
// the other instances go on (DESIGN.md "a bug in one instance resets that instance").

import { preciseTimer } from './precise-timer.ts';
import { rehearseTakeover } from './rehearsal.ts';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../obs/log.ts';
import { formatIp, ipEquals, type IpBytes } from './addr.ts';
import { initialState, step, type InstanceConfig, type InstanceState, type StepResult, type TimerKind, type VrrpAction, type VrrpEvent, type VrrpStateName } from './fsm.ts';
import { encodeAdvert, newDropCounters, countDrop, receiveAdvert, type DecodeOptions, type DropCounters, type RxCheckConfig } from './packet.ts';
import type { TrackerState } from './priority.ts';
import type { RxPacket, TransportBinding, VrrpTransport } from './transport.ts';
import type { VipResult, VipSpec } from '../vips/manager.ts';

/** Adds / removes addresses (VipManager in the daemon, a recorder in tests). */
export interface VipPort {
  add(vips: readonly VipSpec[]): Promise<VipResult[]>;
  remove(vips: readonly VipSpec[]): Promise<VipResult[]>;
}

/** The instance's virtual_routes / virtual_rules (src/vips/routes.ts); both resolve to error lines, never reject. */
export interface RoutePort {
  add(): Promise<string[]>;
  remove(): Promise<string[]>;
}

/** Sends `repeat` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) per VIP. */
export interface GarpPort {
  send(vips: readonly VipSpec[], repeat: number): void;
  /**
   * Readies what a takeover will need (the interfaces' frame sockets, the encoders) so the first
   * GARP does not open a socket; called at start and by the takeover rehearsal. Optional.
   */
  prepare?(vips: readonly VipSpec[]): void;
}

/** Calls `onClaim` when another host announces one of `vips` (GARP / NA); returns the cancel. */
export interface ClaimPort {
  watch(vips: readonly VipSpec[], onClaim: () => void): () => void;
}

export type NotifyKind = { state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'; priority: number } | { state: 'MASTER_RX_LOWER_PRI'; priority: number };

/** What an instance needs besides its own configuration. */
export interface InstancePorts {
  clock: Clock;
  transport: VrrpTransport;
  vips: VipPort;
  /** virtual_routes / virtual_rules, when the instance has any. */
  routes?: RoutePort;
  garp: GarpPort;
  /** Graceful handover: see the new master's GARPs (absent: the FSM's grace timer decides). */
  claims?: ClaimPort;
  log: Logger;
  notify(name: string, n: NotifyKind): void;
  /** Every state change (daemon bookkeeping, tests). */
  onTransition?(name: string, from: VrrpStateName, to: VrrpStateName): void;
  /** Routes events of sync-group members through the group (runtime-group.ts). */
  group?: { handle(name: string, ev: VrrpEvent): void };
  /**
   * Fire master_down timers at their exact (sub-millisecond) time instead of the next whole
   * millisecond of setTimeout: wake ~2 ms early and yield with setImmediate until due. Only for a
   * real clock (a manual clock never advances by itself).
   */
  preciseTimers?: boolean;
}


export interface InstanceSetup {
  config: InstanceConfig;
  binding: TransportBinding;
  /** Receive-side checks (RFC 5798 §7.1) for this instance. */
  rx: RxCheckConfig & DecodeOptions;
  /** Addresses carried in our adverts (virtual_ipaddress). */
  advertAddrs: readonly IpBytes[];
  /** Everything to configure as MASTER: virtual_ipaddress + virtual_ipaddress_excluded. */
  vips: readonly VipSpec[];
  /** v2 authentication. */
  authType?: 0 | 1;
  authPass?: string;
}

const MAX_RESETS = 5;

/**
 * Test-only fault injection (test/netns/ops-fault.test.ts): a function stored under this global
 * symbol is called with every event an instance handles and may throw, standing in for a bug in
 * the instance's code. Nothing in keepalived-ts sets it, so in production the lookup finds
 * nothing and the event goes on.
 */
export const FAULT_HOOK = Symbol.for('keepalived-ts.test.instance-fault');
type FaultHook = (instance: string, ev: VrrpEvent) => void;

export class InstanceRunner {
  readonly name: string;
  setup: InstanceSetup;
  readonly ports: InstancePorts;
  state: InstanceState;
  readonly drops: DropCounters = newDropCounters();
  #timers = new Map<TimerKind, TimerHandle>();
  #trackers = new Map<string, TrackerState>();
  #faults = new Set<string>();
  #vipChain: Promise<void> = Promise.resolve();
  #stopped: { promise: Promise<void>; resolve: () => void };
  #resets = 0;
  /** The latest `now` fed to step(): packet times derived from kernel stamps never go back past it. */
  #lastNow = -Infinity;
  #lastDropLog = new Map<string, number>();
  #speculation: { from: InstanceState; token: number; atMs: number; result: StepResult } | undefined;
  #precomputedTakeovers = 0;
  #attached = false;
  #unwatchClaims: (() => void) | undefined;
  /**
   * The last advert encoded per destination (the group, or each unicast peer): a master sends the
   * same bytes every advert_int, so they are encoded (and the checksum summed) again only when the
   * priority, the interval, the setup or the source address changed (bench/vrrp/scale.ts: the
   * encoder was ~5 % of the daemon's CPU at 250 masters).
   */
  #encoded = new Map<IpBytes, { priority: number; advertIntCs: number; setup: InstanceSetup; src: IpBytes; bytes: Uint8Array }>();

  constructor(setup: InstanceSetup, ports: InstancePorts) {
    this.setup = setup;
    this.ports = ports;
    this.name = setup.config.name;
    this.state = initialState(setup.config);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#stopped = { promise, resolve };
  }

  /** The trackers in force (weighted and weight-0), for status and the JSON dump. */
  get trackers(): readonly TrackerState[] {
    return [...this.#trackers.values()];
  }

  /** Master-down expiries applied from the takeover worked out ahead (#speculate). */
  get precomputedTakeovers(): number {
    return this.#precomputedTakeovers;
  }

  /** Resolves once the instance reached STOP and its VIPs are released. */
  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  /** Attaches to the wire and sends `start` (after the initial faults/trackers were set). */
  start(): void {
    if (!this.#attached) {
      this.ports.transport.attach(this.setup.binding, (p) => this.onPacket(p));
      this.#attached = true;
    }
    this.handle({ type: 'start', now: this.ports.clock.now() });
    this.rehearse();
  }

  /** Stop (SIGTERM): priority 0 and release; `handover` keeps the VIPs until a new master shows. */
  stop(handover: boolean): void {
    this.handle({ type: 'stop', now: this.ports.clock.now(), handover });
  }

  /** Sets one tracker's result (track_script, weighted track_interface ...). */
  /** A reload changed only the base priority: keep state and VIPs (fsm.ts onBasePriority). */
  setBasePriority(priority: number): void {
    // A later reset starts from the new priority too.
    this.setup = { ...this.setup, config: { ...this.setup.config, basePriority: priority } };
    this.handle({ type: 'base_priority', now: this.ports.clock.now(), priority, trackers: [...this.#trackers.values()] });
  }

  setTracker(t: TrackerState): void {
    const prev = this.#trackers.get(t.name);
    if (prev && prev.ok === t.ok && prev.weight === t.weight && prev.reverse === t.reverse) return;
    this.#trackers.set(t.name, t);
    this.handle({ type: 'trackers', now: this.ports.clock.now(), trackers: [...this.#trackers.values()] });
  }

  /** Sets or clears a fault (interface down, no source address). */
  setFault(key: string, faulted: boolean): void {
    if (faulted === this.#faults.has(key)) return;
    if (faulted) this.#faults.add(key);
    else this.#faults.delete(key);
    this.handle({ type: 'fault', now: this.ports.clock.now(), key, faulted });
  }

  /** An advert from the transport: instance checks, then the state machine. */
  onPacket(p: RxPacket): void {
    if (this.state.state === 'INIT') return;
    const r = receiveAdvert(p.payload, p.meta, this.setup.rx, this.state.masterAddr);
    if (!r.ok) {
      countDrop(this.drops, r.reason);
      this.#logDrop(r.reason, r.detail);
      return;
    }
    this.handle({ type: 'advert', now: this.#rxNow(p), advert: r.advert, src: p.meta.src });
  }

  /**
   * The advert's time on our clock: its kernel arrival when the transport stamped it, never
   * earlier than the last event fed (the state machine's time only moves forward).
   */
  #rxNow(p: RxPacket): number {
    const now = this.ports.clock.now();
    if (p.ageMs === undefined) return now;
    return Math.max(now - p.ageMs, this.#lastNow);
  }

  /** Feeds one event (through the sync group when there is one). */
  handle(ev: VrrpEvent): void {
    this.#feed(ev);
  }

  /** handle(), with step()'s result for `ev` already worked out when `precomputed` is given. */
  #feed(ev: VrrpEvent, precomputed?: StepResult): void {
    if (ev.now > this.#lastNow) this.#lastNow = ev.now;
    if (this.ports.group) {
      this.ports.group.handle(this.name, ev);
      return;
    }
    try {
      (globalThis as { [FAULT_HOOK]?: FaultHook })[FAULT_HOOK]?.(this.name, ev);
      const r = precomputed ?? step(this.state, ev);
      this.apply(r.state, r.actions);
    } catch (e) {
      this.reset(e);
    }
  }

  /** Takes the state step() produced and carries out its actions in order. */
  apply(state: InstanceState, actions: readonly VrrpAction[]): void {
    this.state = state;
    try {
      // Indexed, not for-of: on the daemon's interpreter tiers each iterator step allocates, and
      // this runs for every advert of every instance (allocation drives GC and old-space growth).
      for (let i = 0; i < actions.length; i++) this.#execute(actions[i]);
    } catch (e) {
      this.reset(e);
    }
  }

  /** Detaches from the wire and cancels timers (reload removing the instance, daemon exit). */
  dispose(): void {
    this.#unwatchClaims?.();
    this.#unwatchClaims = undefined;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    if (this.#attached) this.ports.transport.detach(this.name);
    this.#attached = false;
  }

  /** Waits for pending VIP changes. */
  async settled(): Promise<void> {
    await this.#vipChain;
  }

  /** A bug inside this instance: release what it holds and start it again from INIT. */
  reset(e: unknown): void {
    const log = this.ports.log;
    log.error({ instance: this.name, err: e }, `(${this.name}) internal error, resetting the instance: ${(e as Error)?.message ?? String(e)}`);
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    this.#unwatchClaims?.();
    this.#unwatchClaims = undefined;
    if (this.state.vipsHeld || this.state.state === 'MASTER') this.#changeVips('remove');
    const wasStopping = this.state.state === 'STOP';
    this.state = initialState(this.setup.config);
    if (wasStopping || ++this.#resets > MAX_RESETS) {
      log.error({ instance: this.name }, `(${this.name}) stopped after ${this.#resets} internal errors`);
      this.state = { ...this.state, state: 'STOP' };
      void this.#vipChain.then(() => this.#stopped.resolve());
      return;
    }
    try {
      const now = this.ports.clock.now();
      let s = this.state;
      for (const key of this.#faults) s = step(s, { type: 'fault', now, key, faulted: true }).state;
      if (this.#trackers.size > 0) s = step(s, { type: 'trackers', now, trackers: [...this.#trackers.values()] }).state;
      const r = step(s, { type: 'start', now });
      this.state = r.state;
      for (const a of r.actions) this.#execute(a);
    } catch (e2) {
      log.error({ instance: this.name, err: e2 }, `(${this.name}) cannot restart after an internal error`);
    }
  }

  // --- actions

  #execute(a: VrrpAction): void {
    const log = this.ports.log;
    switch (a.type) {
      case 'send_advert':
        return this.#sendAdvert(a.priority, a.advertIntCs);
      case 'set_timer': {
        this.#timers.get(a.kind)?.cancel();
        const { kind, token, atMs } = a;
        const fire = () => {
          this.#timers.delete(kind);
          if (!this.#takeSpeculation(token)) this.handle({ type: 'timer', now: this.ports.clock.now(), kind, token });
        };
        this.#timers.set(
          kind,
          kind === 'master_down' && this.ports.preciseTimers
            ? preciseTimer(this.ports.clock, atMs, fire, () => this.#speculate(token, atMs))
            : this.ports.clock.setTimer(Math.max(0, Math.ceil(atMs - this.ports.clock.now())), fire),
        );
        return;
      }
      case 'cancel_timer':
        this.#timers.get(a.kind)?.cancel();
        this.#timers.delete(a.kind);
        return;
      case 'add_vips':
        return this.#changeVips('add');
      case 'remove_vips':
        return this.#changeVips('remove');
      case 'garp': {
        const vips = this.setup.vips;
        if (vips.length === 0 || a.repeat <= 0) return;
        for (const ifname of new Set(vips.map((v) => v.ifname))) {
          const fam = vips.find((v) => v.ifname === ifname)?.family === 6 ? 'Unsolicited Neighbour Adverts' : 'gratuitous ARPs';
          const list = vips.filter((v) => v.ifname === ifname).map((v) => formatIp(v.address));
          for (const ip of list) log.debug({ instance: this.name }, `(${this.name}) Sending/queueing ${fam} on ${ifname} for ${ip}`);
        }
        // After the VIPs are in place (they are added just before, through netlink): a client
        // that follows the GARP at once must find the address already answered here.
        const repeat = a.repeat;
        this.#vipChain = this.#vipChain.then(() => {
          try {
            this.ports.garp.send(vips, repeat);
          } catch (e) {
            log.error({ instance: this.name, err: e }, `(${this.name}) cannot send gratuitous ARPs: ${(e as Error).message}`);
          }
        });
        return;
      }
      case 'watch_claims': {
        this.#unwatchClaims?.();
        this.#unwatchClaims = undefined;
        const claims = this.ports.claims;
        if (!a.on || !claims || this.setup.vips.length === 0) return;
        // The release that follows turns the watch off again (watch_claims on: false).
        this.#unwatchClaims = claims.watch(this.setup.vips, () => {
          this.handle({ type: 'vips_claimed', now: this.ports.clock.now() });
        });
        return;
      }
      case 'notify': {
        // After the VIP work queued before it (keepalived runs notify scripts once the VIPs are
        // set and the GARPs sent): starting a script forks, ~1-3 ms that a takeover's GARPs
        // should not wait for. The chain keeps notifies in order with each other and with it.
        const n: NotifyKind = { state: a.state, priority: a.priority };
        this.#vipChain = this.#vipChain.then(() => {
          try {
            this.ports.notify(this.name, n);
          } catch (e) {
            this.ports.log.error({ instance: this.name, err: e }, `(${this.name}) notify failed: ${(e as Error).message}`);
          }
        });
        return;
      }
      case 'notify_master_rx_lower_pri':
        this.ports.notify(this.name, { state: 'MASTER_RX_LOWER_PRI', priority: a.priority });
        return;
      case 'log':
        if (a.level === 'detail') log.debug({ instance: this.name }, a.line);
        else log.info({ instance: this.name }, a.line);
        return;
      case 'transition':
        this.ports.onTransition?.(this.name, a.from, a.to);
        return;
      case 'stopped':
        void this.#vipChain.then(() => this.#stopped.resolve());
        return;
      case 'want_master':
      case 'fault_cleared':
        return; // consumed by the sync-group coordinator
    }
  }

  /**
   * A takeover worked out ahead (preciseTimer's `prepare`, PRECISE_LEAD_MS = 3 ms before the
   * master-down timer is due, only when no advert has come for 3 intervals): step() on the current
   * state with the timer's due time as `now`, and the adverts it sends already encoded (into the
   * #cachedAdvert cache, which the real send then finds). If the
   * timer then fires on that same state -- no event came in between, the state object is the
   * same -- its result is applied as is: the takeover advert leaves without running the state
   * machine or the encoder on the due-time path (~0.1 ms on the daemon's interpreter tiers).
   * Anything else discards it.
   */
  #speculate(token: number, atMs: number): void {
    this.#speculation = undefined;
    if (this.ports.group) return; // the sync-group coordinator decides, not this instance alone
    try {
      const from = this.state;
      const result = step(from, { type: 'timer', now: atMs, kind: 'master_down', token });
      for (const a of result.actions) {
        if (a.type === 'send_advert') for (const dst of this.#advertDsts()) this.#cachedAdvert(a.priority, a.advertIntCs, dst);
      }
      this.#speculation = { from, token, atMs, result };
    } catch {
      // the real timer event will meet the same error in handle() and reset the instance
    }
  }

  /** Applies the precomputed takeover if it still holds; false when the timer must go through handle(). */
  #takeSpeculation(token: number): boolean {
    const sp = this.#speculation;
    this.#speculation = undefined;
    if (!sp || sp.from !== this.state || sp.token !== token) return false;
    this.#precomputedTakeovers++;
    this.#feed({ type: 'timer', now: sp.atMs, kind: 'master_down', token }, sp.result);
    return true;
  }

  #sendAdvert(priority: number, advertIntCs: number): void {
    // The destinations of #advertDsts without building its array per advert.
    const b = this.setup.binding;
    const peers = b.unicastPeers;
    if (peers && peers.length > 0) for (let i = 0; i < peers.length; i++) this.#sendAdvertTo(priority, advertIntCs, peers[i]);
    else this.#sendAdvertTo(priority, advertIntCs, b.group);
  }

  #sendAdvertTo(priority: number, advertIntCs: number, dst: IpBytes): void {
    const err = this.ports.transport.send(this.name, this.#cachedAdvert(priority, advertIntCs, dst), dst);
    if (err) this.#logDrop('send', `(${this.name}) ${err}`);
  }

  /** #encodeAdvert, reusing the previous bytes for `dst` while nothing they depend on changed. */
  #cachedAdvert(priority: number, advertIntCs: number, dst: IpBytes): Uint8Array {
    const s = this.setup;
    const c = this.#encoded.get(dst);
    // binding.src is updated in place when an automatic source address changes (runtime.ts).
    if (c && c.priority === priority && c.advertIntCs === advertIntCs && c.setup === s && ipEquals(c.src, s.binding.src)) return c.bytes;
    const bytes = this.#encodeAdvert(priority, advertIntCs, dst);
    if (this.#encoded.size > 16) this.#encoded.clear(); // destinations come from the setup: bounded anyway
    this.#encoded.set(dst, { priority, advertIntCs, setup: s, src: Uint8Array.from(s.binding.src), bytes });
    return bytes;
  }

  #advertDsts(): readonly IpBytes[] {
    const b = this.setup.binding;
    return b.unicastPeers && b.unicastPeers.length > 0 ? b.unicastPeers : [b.group];
  }

  #encodeAdvert(priority: number, advertIntCs: number, dst: IpBytes): Uint8Array {
    const s = this.setup;
    return encodeAdvert({
      version: s.config.version,
      vrid: s.config.vrid,
      priority,
      family: s.config.family,
      addrs: s.advertAddrs,
      advertIntCs,
      authType: s.authType,
      authPass: s.authPass,
      src: s.binding.src,
      dst,
      v3ChecksumAsV2: s.rx.v3ChecksumAsV2,
    });
  }

  /**
   * A dry run of our takeover (rehearsal.ts): the state machine on a scratch copy, the adverts it
   * would send encoded and dropped, the GARP port readied. Nothing reaches the wire or the state.
   */
  rehearse(): void {
    try {
      for (const a of rehearseTakeover(this.setup.config, this.ports.clock.now())) {
        if (a.type === 'send_advert') this.#encodeAdvert(a.priority, a.advertIntCs, this.#advertDsts()[0]);
      }
      if (this.setup.vips.length > 0) this.ports.garp.prepare?.(this.setup.vips);
    } catch (e) {
      this.ports.log.warn({ instance: this.name, err: e }, `(${this.name}) takeover rehearsal failed: ${(e as Error).message}`);
    }
  }

  #changeVips(op: 'add' | 'remove'): void {
    const vips = this.setup.vips;
    const routes = this.ports.routes;
    if (vips.length === 0 && !routes) return;
    const log = this.ports.log;
    const routeErrors = (lines: string[]) => {
      for (const l of lines) log.error({ instance: this.name }, `(${this.name}) ${l}`);
    };
    // keepalived's order (vrrp.c): routes and rules after the VIPs on the way in (a route may use
    // a VIP as its src), before them on the way out.
    if (op === 'remove' && routes) this.#vipChain = this.#vipChain.then(() => routes.remove()).then(routeErrors, () => undefined);
    if (vips.length > 0) {
      this.#vipChain = this.#vipChain
        .then(() => (op === 'add' ? this.ports.vips.add(vips) : this.ports.vips.remove(vips)))
        .then(
          (res) => {
            for (const r of res) if (r.error) log.error({ instance: this.name }, `(${this.name}) cannot ${op} VIP ${r.vip.text}: ${r.error}`);
          },
          (e: unknown) => log.error({ instance: this.name }, `(${this.name}) cannot ${op} VIPs: ${(e as Error)?.message ?? String(e)}`),
        );
    }
    if (op === 'add' && routes) this.#vipChain = this.#vipChain.then(() => routes.add()).then(routeErrors, () => undefined);
  }

  /** Packet errors are logged like keepalived, at most once a second per reason (a flood must not flood the log). */
  #logDrop(reason: string, line: string): void {
    const now = this.ports.clock.now();
    const last = this.#lastDropLog.get(reason);
    if (last !== undefined && now - last < 1000) return;
    this.#lastDropLog.set(reason, now);
    this.ports.log.info({ instance: this.name, reason }, line);
  }
}
