// The VRRP side of the daemon: every vrrp_instance of a configuration running over the real
// kernel. Builds the instance runners (runtime-build.ts), their shared ports (raw-socket
// transport, rtnetlink VIP manager, GARP sender, notify runner, script trackers, sync-group
// coordinators), follows links and addresses through rtnetlink events (interface faults, source
// address changes, MACs for GARP), and stops everything cleanly.
//
// Order at start: read links and addresses; remove VIPs a crashed run left behind (cleanup.ts);
// set each instance's initial faults and trackers; start the instances (INIT -> BACKUP/FAULT,
// or MASTER for an address owner); start the tracking scripts.

import type { Logger } from '../obs/log.ts';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { ipEquals, type IpBytes } from './addr.ts';
import type { VrrpStateName } from './fsm.ts';
import { InstanceRunner, type InstancePorts, type NotifyKind, type RoutePort, type VipPort } from './instance.ts';
import type { VrrpTransport } from './transport.ts';
import { SocketTransport } from './socket-transport.ts';
import { GroupCoordinator } from './runtime-group.ts';
import { GarpSender } from './runtime-garp.ts';
import { REHEARSAL_INTERVAL_MS } from './rehearsal.ts';
import { planReload } from './reload-plan.ts';
import { ClaimWatcher } from '../vips/claim-watch.ts';
import { buildInstance, primaryAddress, type AddrView, type LinkView } from './runtime-build.ts';
import { initialOk, scriptTrackings, trackerFor } from './runtime-track.ts';
import type { ScriptTracks } from './runtime-track.ts';
import { FileTracks, fileTrackings } from './runtime-trackfile.ts';
import type { Model, VrrpInstance, VrrpSyncGroup } from '../config/model.ts';
import { Rtnetlink, RtMonitor, linkIsUp, type RtEvent } from '../netlink/rtnetlink.ts';
import { VipManager, type VipSpec } from '../vips/manager.ts';
import { removeLeftoverVips } from '../vips/cleanup.ts';
import { RouteManager, removeLeftoverRoutes, resolveRoute, resolveRule, type ResolvedRoute, type ResolvedRule } from '../vips/routes.ts';
import { VmacManager, vrrpMac } from '../vips/vmac.ts';
import { parseMac } from '../netlink/route-link.ts';
import type { NotifyRunner, notifyCommand as NotifyCommandFn } from '../notify/runner.ts';
import type { NotifyConfig } from '../notify/hooks.ts';

export interface RuntimeOptions {
  model: Model;
  log: Logger;
  clock?: Clock;
  /** -V: leave VIPs configured at exit. */
  dontReleaseVrrp?: boolean;
  /** Injected transport (tests); default raw sockets. */
  transport?: VrrpTransport;
  /**
   * Wraps an instance's VIP port, e.g. the self-balancing DR tier, which must put the VIP on `lo`
   * before it leaves the interface and install IPVS services once it is on (src/daemon/self-balance.ts).
   */
  wrapVips?: (inst: VrrpInstance, base: VipPort) => VipPort;
}

function instanceNotify(i: VrrpInstance, notifyCommand: typeof NotifyCommandFn): NotifyConfig {
  return {
    master: notifyCommand(i.notifyMaster, i.notifyMasterUser),
    backup: notifyCommand(i.notifyBackup, i.notifyBackupUser),
    fault: notifyCommand(i.notifyFault, i.notifyFaultUser),
    stop: notifyCommand(i.notifyStop, i.notifyStopUser),
    deleted: notifyCommand(i.notifyDeleted, i.notifyDeletedUser),
    generic: notifyCommand(i.notify, i.notifyUser),
  };
}

function groupNotify(g: VrrpSyncGroup, notifyCommand: typeof NotifyCommandFn): NotifyConfig {
  return {
    master: notifyCommand(g.notifyMaster, g.notifyMasterUser),
    backup: notifyCommand(g.notifyBackup, g.notifyBackupUser),
    fault: notifyCommand(g.notifyFault, g.notifyFaultUser),
    stop: notifyCommand(g.notifyStop, g.notifyStopUser),
    generic: notifyCommand(g.notify, g.notifyUser),
  };
}

/** Structural equality of two configuration values, ignoring where they were written. */
export function sameJson(a: unknown, b: unknown): boolean {
  // Schedules (drain_schedule / maintenance_schedule, kept words) are the daemon's ops side
  // (src/daemon/drains.ts): editing one must not restart an instance.
  const ops = (k: unknown) => (k as { keyword?: string })?.keyword === 'drain_schedule' || (k as { keyword?: string })?.keyword === 'maintenance_schedule';
  const strip = (_k: string, v: unknown) => (_k === 'file' || _k === 'line' ? undefined : _k === 'kept' && Array.isArray(v) ? v.filter((k) => !ops(k)) : v);
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}

export class VrrpRuntime {
  readonly runners = new Map<string, InstanceRunner>();
  readonly groups = new Map<string, GroupCoordinator>();
  readonly log: Logger;
  readonly clock: Clock;
  #model: Model;
  #opts: RuntimeOptions;
  #rt: Rtnetlink | undefined;
  #mon: RtMonitor | undefined;
  #transport: VrrpTransport | undefined;
  #garp: GarpSender | undefined;
  #rehearsal: TimerHandle | undefined;
  #claims: ClaimWatcher | undefined;
  #vips: VipManager | undefined;
  #routeMgr: RouteManager | undefined;
  #vmacs: VmacManager | undefined;
  /** Per instance: the interface whose address is the advert source (differs from the binding with use_vmac). */
  #srcIf = new Map<string, number>();
  #notifier: NotifyRunner | undefined;
  #notifyCommand: typeof NotifyCommandFn | undefined;
  #tracks: ScriptTracks | undefined;
  #fileTracks: FileTracks | undefined;
  #links = new Map<number, LinkView>();
  #addrs: AddrView[] = [];
  #autoSrc = new Set<string>();
  #stopping = false;
  /** The last transitions (status, debugging); bounded. */
  readonly transitions: { name: string; from: VrrpStateName; to: VrrpStateName; atMs: number }[] = [];
  /** Called after each entry added to `transitions` (src/daemon/ops.ts records why, instead of polling). */
  onTransitionRecorded: (() => void) | undefined;

  constructor(opts: RuntimeOptions) {
    this.#opts = opts;
    this.#model = opts.model;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
  }

  get model(): Model {
    return this.#model;
  }

  async start(): Promise<void> {
    const log = this.log;
    const g = this.#model.globalDefs;
    this.#rt = Rtnetlink.open();
    this.#vips = new VipManager(this.#rt);
    this.#routeMgr = new RouteManager(this.#rt.sock);
    this.#vmacs = new VmacManager(this.#rt.sock);
    this.#mon = await RtMonitor.start();
    this.#mon.on((e) => this.#onRtEvent(e));
    await this.#refreshInterfaces();
    this.#transport = this.#opts.transport ?? new SocketTransport({ onError: (e) => log.warn(`VRRP socket error: ${e.message}`) });
    this.#garp = new GarpSender({
      log,
      clock: this.clock,
      macOf: (ix) => this.#links.get(ix)?.mac,
      garpIntervalMs: g.vrrpGarpIntervalMs,
      gnaIntervalMs: g.vrrpGnaIntervalMs,
    });
    this.#claims = new ClaimWatcher({
      // A VMAC's MAC is the VRID's virtual MAC, shared by every router of the VRID (RFC 5798
      // §7.3): an incoming frame from it is the new master's, never ours (our own sends are
      // PACKET_OUTGOING). Without this a yielding use_vmac master never saw the claim and held
      // the VIP for the whole grace time.
      macOf: (ix) => (this.#vmacs?.isVmac(ix) ? undefined : this.#links.get(ix)?.mac),
      onError: (e) => log.warn(`cannot watch for the new master's gratuitous ARPs: ${e.message}`),
    });
    await this.#ensureNotifier();
    if (g.vrrpStartupDelayMs > 0) {
      // vrrp_startup_delay: let the NICs / bonds settle before the first election (keepalived's
      // answer to "nopreempt not working" at boot, keepalived.md §2.5).
      log.info(`Delaying startup for ${g.vrrpStartupDelayMs / 1000} seconds`);
      await new Promise((r) => this.clock.setTimer(g.vrrpStartupDelayMs, () => r(undefined)));
    }
    await this.#startInstances(this.#model.vrrpInstances, true);
    await this.#startTracks();
    this.#scheduleRehearsal();
  }

  /** Every REHEARSAL_INTERVAL_MS, each non-master instance rehearses its takeover (rehearsal.ts). */
  #scheduleRehearsal(): void {
    this.#rehearsal = this.clock.setTimer(REHEARSAL_INTERVAL_MS, () => {
      for (const r of this.runners.values()) if (r.state.state !== 'MASTER') r.rehearse();
      this.#scheduleRehearsal();
    });
  }

  /**
   * SIGHUP: apply a new configuration. Instances whose configuration (and sync group) did not
   * change keep running untouched: state, timers and VIPs (keepalived keeps a reloaded MASTER
   * master). Removed or changed ones stop (priority 0, VIPs released) and the new or changed
   * ones start as at daemon start. Tracking scripts restart; unchanged instances keep their
   * current tracker values until the first new result.
   */
  async applyModel(next: Model): Promise<{ kept: string[]; stopped: string[]; started: string[] }> {
    const old = this.#model;
    const sameGlobals = sameJson(old.globalDefs, next.globalDefs) && sameJson(old.vrrpScripts, next.vrrpScripts);
    const groupOf = (m: Model, name: string) => m.vrrpSyncGroups.find((sg) => sg.group.includes(name));
    // reload-plan.ts decides: kept, kept with a new priority, or restarted (sync groups as one).
    const { kept: unchanged, reprioritised } = planReload(
      next.vrrpInstances.map((inst) => {
        const prev = old.vrrpInstances.find((i) => i.name === inst.name);
        const keepable = prev && this.runners.has(inst.name) && sameGlobals && sameJson(groupOf(old, inst.name), groupOf(next, inst.name));
        return { name: inst.name, prev: keepable ? prev : undefined, next: inst };
      }),
      next.vrrpSyncGroups.map((sg) => sg.group),
      { priorityOf: (i: VrrpInstance) => i.priority, withPriority: (i: VrrpInstance, priority: number) => ({ ...i, priority }), same: sameJson },
    );
    const stopped = [...this.runners.keys()].filter((n) => !unchanged.has(n));
    await this.#tracks?.stop();
    const going = stopped.map((n) => this.runners.get(n)!);
    for (const r of going) r.stop(false);
    await Promise.race([Promise.all(going.map((r) => r.stopped)), new Promise((res) => setTimeout(res, 5000).unref())]);
    for (const r of going) {
      await r.settled();
      r.dispose();
      this.runners.delete(r.name);
      this.#autoSrc.delete(r.name);
    }
    for (const [name, grp] of this.groups) if ([...grp.members.keys()].some((m) => !unchanged.has(m))) this.groups.delete(name);
    const staticChanged = !sameJson([old.staticRouteList, old.staticRuleList], [next.staticRouteList, next.staticRuleList]);
    if (staticChanged) await this.#staticRoutes('remove', old);
    // VMACs no instance of the new configuration names go (a changed instance keeps and reuses its own).
    const wantedVmacs = new Set(next.vrrpInstances.flatMap((i) => (i.vmac ? [i.vmac.name] : [])));
    for (const name of [...(this.#vmacs?.owned.keys() ?? [])]) {
      if (!wantedVmacs.has(name)) await this.#vmacs!.remove(name).catch((e: Error) => this.log.warn(`cannot delete VMAC ${name}: ${e.message}`));
    }
    this.#model = next;
    await this.#refreshInterfaces();
    const fresh = next.vrrpInstances.filter((i) => !unchanged.has(i.name));
    await this.#ensureNotifier();
    if (staticChanged) await this.#staticRoutes('add', next);
    for (const [name, priority] of reprioritised) this.runners.get(name)?.setBasePriority(priority);
    await this.#startInstances(fresh, false);
    await this.#startTracks();
    return { kept: [...unchanged], stopped, started: fresh.map((i) => i.name).filter((n) => this.runners.has(n)) };
  }

  /** Builds, cleans up after, and starts these instances (and their sync groups). */
  async #startInstances(instances: readonly VrrpInstance[], cleanup: boolean): Promise<void> {
    const log = this.log;
    const model = this.#model;
    const g = model.globalDefs;
    for (const sg of model.vrrpSyncGroups) {
      if (this.groups.has(sg.name) || !sg.group.some((m) => instances.some((i) => i.name === m))) continue;
      this.groups.set(
        sg.name,
        new GroupCoordinator({ name: sg.name, members: sg.group }, log, (name, state) => {
          if (this.#notifier && this.#notifyCommand) this.#notifier.notify(groupNotify(sg, this.#notifyCommand), { kind: 'GROUP', name, state, priority: 0 });
        }),
      );
    }
    const built: { runner: InstanceRunner; faults: string[]; inst: VrrpInstance }[] = [];
    const vmacOpts = await this.#makeVmacs(instances);
    for (const inst of instances) {
      const vmac = vmacOpts.get(inst.name);
      if (vmac === null) continue; // its VMAC could not be made (logged)
      const b = buildInstance(inst, g, [...this.#links.values()], this.#addrs, vmac ? { vmac } : {});
      if (typeof b === 'string') {
        log.error(`${b} - instance not started`);
        continue;
      }
      for (const w of b.warnings) log.warn(w);
      if (b.autoSrc) this.#autoSrc.add(inst.name);
      this.#srcIf.set(inst.name, b.srcIfindex);
      const runner = new InstanceRunner(b.setup, this.#portsFor(inst));
      this.runners.set(inst.name, runner);
      const grp = inst.syncGroup !== undefined ? this.groups.get(inst.syncGroup) : undefined;
      grp?.add(runner);
      built.push({ runner, faults: b.faults, inst });
    }
    if (cleanup) {
      // Leftovers of a crashed run go before anything can become master.
      const candidates = built.flatMap(({ runner, inst }) => runner.setup.vips.map((vip) => ({ vip, owner: inst.priority === 255 })));
      try {
        for (const line of await removeLeftoverVips(this.#vips!, candidates)) log.info(line);
      } catch (e) {
        log.warn(`cannot check for leftover VIPs: ${(e as Error).message}`);
      }
      try {
        const withRoutes = (model.staticRouteList ?? []).length > 0 || model.vrrpInstances.some((i) => i.routes.length > 0);
        for (const line of await removeLeftoverRoutes(this.#routeMgr!, withRoutes)) log.info(line);
      } catch (e) {
        log.warn(`cannot check for leftover routes and rules: ${(e as Error).message}`);
      }
      await this.#staticRoutes('add', model);
    }
    const trackings = scriptTrackings(model.vrrpScripts, instances.filter((i) => this.runners.has(i.name)), model.vrrpSyncGroups);
    for (const t of trackings) {
      for (const u of t.users) {
        if (!built.some((b) => b.inst.name === u.instance)) continue;
        this.runners.get(u.instance)?.setTracker(trackerFor(t.script.name, u, initialOk(u, t.script.initFail)));
      }
    }
    for (const { runner, inst, faults } of built) {
      for (const t of inst.trackInterfaces) {
        const link = [...this.#links.values()].find((l) => l.name === t.name);
        const up = link?.up ?? false;
        if (t.weight === 0) runner.setFault(`if:${t.name}`, !up);
        else runner.setTracker({ name: `if:${t.name}`, weight: t.weight, reverse: t.reverse, ok: up });
      }
      for (const f of faults) runner.setFault(f, true);
    }
    for (const { runner } of built) {
      try {
        runner.start();
      } catch (e) {
        // e.g. the interface vanished between the link dump and the socket: this instance
        // cannot run, the others can.
        log.error({ instance: runner.name, err: e }, `(${runner.name}) cannot start: ${(e as Error).message}`);
        runner.dispose();
        this.runners.delete(runner.name);
      }
    }
  }

  /**
   * The notify runner, loaded only when something notifies: it pulls in execa, which costs
   * start-up time (and start-up time is part of the preempt-back figure).
   */
  async #ensureNotifier(): Promise<void> {
    if (this.#notifier) return;
    const m = this.#model;
    const g = m.globalDefs;
    const keys = ['notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notifyDeleted', 'notify', 'notifyMasterRxLowerPri'] as const;
    const any =
      (g.vrrpNotifyFifo ?? g.notifyFifo) !== undefined ||
      m.vrrpInstances.some((i) => keys.some((k) => i[k] !== undefined)) ||
      m.vrrpSyncGroups.some((sg) => sg.notify !== undefined || sg.notifyMaster !== undefined || sg.notifyBackup !== undefined || sg.notifyFault !== undefined || sg.notifyStop !== undefined);
    if (!any) return;
    const { NotifyRunner, notifyCommand } = await import('../notify/runner.ts');
    this.#notifyCommand = notifyCommand;
    this.#notifier = new NotifyRunner({
      log: this.log,
      fifoPath: g.vrrpNotifyFifo ?? g.notifyFifo,
      scriptUser: g.scriptUser,
      enableScriptSecurity: g.enableScriptSecurity,
    });
  }

  /** (Re)starts the tracking scripts of every running instance (loaded only when some are tracked). */
  async #startTracks(): Promise<void> {
    const model = this.#model;
    const g = model.globalDefs;
    this.#fileTracks?.stop();
    const running = model.vrrpInstances.filter((i) => this.runners.has(i.name));
    const files = fileTrackings(model.trackFiles, running, model.vrrpSyncGroups);
    this.#fileTracks = files.length > 0 ? new FileTracks(files, this.log, (name, t) => this.runners.get(name)?.setTracker(t)) : undefined;
    await this.#fileTracks?.start();
    const trackings = scriptTrackings(model.vrrpScripts, model.vrrpInstances.filter((i) => this.runners.has(i.name)), model.vrrpSyncGroups);
    if (trackings.length === 0) {
      this.#tracks = undefined;
      return;
    }
    const { ScriptTracks } = await import('./runtime-track-run.ts');
    this.#tracks = new ScriptTracks(trackings, {
      log: this.log,
      clock: this.clock,
      scriptUser: g.scriptUser,
      enableScriptSecurity: g.enableScriptSecurity,
      deliver: (name, t) => this.runners.get(name)?.setTracker(t),
    });
    this.#tracks.start();
  }

  /**
   * Graceful stop: every instance to STOP (priority 0, VIPs released; with `handover` a master
   * keeps its VIPs until the new master advertises, bounded by master_down_interval). Resolves
   * when all have stopped or `timeoutMs` passed.
   */
  async stop(handover: boolean, timeoutMs = 10_000): Promise<void> {
    this.#stopping = true;
    for (const r of this.runners.values()) r.stop(handover);
    const all = Promise.all([...this.runners.values()].map((r) => r.stopped));
    await Promise.race([all, new Promise((res) => setTimeout(res, timeoutMs).unref())]);
    await Promise.all([...this.runners.values()].map((r) => r.settled()));
    await this.#tracks?.stop();
    this.#fileTracks?.stop();
    // keepalived clears static routes and rules at stop whatever -V says (vrrp_daemon.c stop_vrrp).
    await this.#staticRoutes('remove', this.#model);
    // VMACs go once their VIPs are gone (-V keeps the VIPs, so it keeps their VMACs too).
    if (!this.#opts.dontReleaseVrrp) for (const line of (await this.#vmacs?.removeAll()) ?? []) this.log.warn(line);
    await this.#notifier?.drain(1000);
    this.close();
  }

  /**
   * use_vmac: creates (or adopts a crashed run's) VMAC of each instance that wants one, then
   * re-reads the interfaces. Per instance: the build option, or null when it cannot run.
   */
  async #makeVmacs(instances: readonly VrrpInstance[]): Promise<Map<string, { name: string; xmitBase: boolean } | null>> {
    const out = new Map<string, { name: string; xmitBase: boolean } | null>();
    const g = this.#model.globalDefs;
    for (const inst of instances) {
      if (!inst.vmac) continue;
      const family = inst.virtualIpaddress[0]?.family ?? 4;
      const baseName = inst.interface ?? g.defaultInterface;
      const base = [...this.#links.values()].find((l) => l.name === baseName);
      if (!base) {
        this.log.error(`(${inst.name}) interface ${baseName ?? '(none)'} does not exist - instance not started`);
        out.set(inst.name, null);
        continue;
      }
      // IPv6 adverts must leave from an interface holding their link-local source, and the
      // VMAC has none of ours; unicast adverts need the base's routes: both go out of the base
      // (keepalived requires vmac_xmit_base with unicast).
      let xmitBase = inst.vmacXmitBase;
      if (!xmitBase && (family === 6 || inst.unicastPeer.length > 0)) {
        this.log.warn(`(${inst.name}) use_vmac with ${family === 6 ? 'IPv6' : 'unicast peers'}: adverts are sent from ${base.name} (as vmac_xmit_base)`);
        xmitBase = true;
      }
      try {
        const mac = inst.vmac.mac ? parseMac(inst.vmac.mac) : vrrpMac(inst.virtualRouterId, family);
        const r = await this.#vmacs!.ensure({ name: inst.vmac.name, baseIndex: base.index, baseName: base.name, mac, ipv4: family === 4 });
        this.log.info(`(${inst.name}) ${r.created ? 'created' : 'reusing'} VMAC ${inst.vmac.name} on ${base.name}`);
        for (const w of r.warnings) this.log.warn(`(${inst.name}) ${w}`);
        out.set(inst.name, { name: inst.vmac.name, xmitBase });
      } catch (e) {
        this.log.error(`(${inst.name}) ${(e as Error).message} - instance not started`);
        out.set(inst.name, null);
      }
    }
    if ([...out.values()].some((v) => v !== null)) await this.#refreshInterfaces();
    return out;
  }

  close(): void {
    this.#rehearsal?.cancel();
    this.#rehearsal = undefined;
    for (const r of this.runners.values()) r.dispose();
    this.#transport?.close();
    this.#garp?.close();
    this.#notifier?.close();
    this.#mon?.close();
    this.#rt?.close();
  }

  // --- ports

  #portsFor(inst: VrrpInstance): InstancePorts {
    const vipPort: VipPort = {
      add: (v: readonly VipSpec[]) => this.#vips!.add(v),
      // -V / --dont-release-vrrp: VIPs stay configured when we exit.
      remove: (v: readonly VipSpec[]) => (this.#stopping && this.#opts.dontReleaseVrrp ? Promise.resolve([]) : this.#vips!.remove(v)),
    };
    return {
      clock: this.clock,
      transport: this.#transport!,
      vips: this.#opts.wrapVips ? this.#opts.wrapVips(inst, vipPort) : vipPort,
      routes: this.#routePortFor(inst),
      garp: this.#garp!,
      claims: this.#claims,
      log: this.log,
      notify: (name: string, n: NotifyKind) => {
        const notifier = this.#notifier;
        const cmdOf = this.#notifyCommand;
        if (!notifier || !cmdOf) return; // nothing configured to notify
        if (n.state === 'MASTER_RX_LOWER_PRI') {
          const cmd = cmdOf(inst.notifyMasterRxLowerPri, inst.notifyMasterRxLowerPriUser);
          if (cmd) notifier.exec(cmd.argv, cmd.user, cmd.group, 'notify_master_rx_lower_pri');
          notifier.fifo('INSTANCE', name, 'MASTER_RX_LOWER_PRI', n.priority);
          return;
        }
        notifier.notify(instanceNotify(inst, cmdOf), { kind: 'INSTANCE', name, state: n.state, priority: n.priority });
      },
      onTransition: (name, from, to) => {
        this.transitions.push({ name, from, to, atMs: this.clock.now() });
        if (this.transitions.length > 100) this.transitions.splice(0, this.transitions.length - 100);
        this.onTransitionRecorded?.();
      },
      group: inst.syncGroup !== undefined ? this.groups.get(inst.syncGroup) : undefined,
      preciseTimers: this.clock === systemClock,
    };
  }

  /** static_routes / static_rules: added once at start (after the leftover cleanup), removed at stop. */
  async #staticRoutes(op: 'add' | 'remove', model: Model): Promise<void> {
    const routes = model.staticRouteList ?? [];
    const rules = model.staticRuleList ?? [];
    if (routes.length === 0 && rules.length === 0) return;
    const ifindexOf = (n: string) => [...this.#links.values()].find((l) => l.name === n)?.index;
    const rr: ResolvedRoute[] = [];
    for (const r of routes) {
      const x = resolveRoute(r, ifindexOf);
      if (typeof x !== 'string') rr.push(x);
      else if (op === 'add') this.log.error(`static route: ${x} (${r.file}:${r.line})`);
    }
    const ru = rules.flatMap((r) => {
      const x = resolveRule(r);
      return typeof x === 'string' ? [] : [x];
    });
    try {
      const errors = op === 'add' ? await this.#routeMgr!.add(rr, ru) : await this.#routeMgr!.remove(rr, ru);
      for (const e of errors) this.log.error(`static_routes/static_rules: ${e}`);
      if (op === 'add') this.log.info(`static routes and rules set: ${rr.length} routes, ${ru.length} rules`);
    } catch (e) {
      this.log.error(`cannot ${op} static routes and rules: ${(e as Error).message}`);
    }
  }

  /** virtual_routes / virtual_rules, resolved against the interfaces each time they are applied. */
  #routePortFor(inst: VrrpInstance): RoutePort | undefined {
    if (inst.routes.length === 0 && inst.rules.length === 0) return undefined;
    const resolveAll = (): { routes: ResolvedRoute[]; rules: ResolvedRule[]; errors: string[] } => {
      const ifindexOf = (n: string) => [...this.#links.values()].find((l) => l.name === n)?.index;
      const errors: string[] = [];
      const routes: ResolvedRoute[] = [];
      const rules: ResolvedRule[] = [];
      for (const r of inst.routes) {
        const x = resolveRoute(r, ifindexOf);
        if (typeof x === 'string') errors.push(`${x} (${r.file}:${r.line})`);
        else routes.push(x);
      }
      for (const r of inst.rules) {
        const x = resolveRule(r);
        if (typeof x === 'string') errors.push(`${x} (${r.file}:${r.line})`);
        else rules.push(x);
      }
      return { routes, rules, errors };
    };
    const run = async (op: 'add' | 'remove'): Promise<string[]> => {
      if (op === 'remove' && this.#stopping && this.#opts.dontReleaseVrrp) return [];
      const { routes, rules, errors: all } = resolveAll();
      // On the way out a route whose interface is gone is gone with it: nothing to report.
      const errors = op === 'remove' ? all.filter((e) => !e.includes('does not exist')) : all;
      try {
        return [...errors, ...(op === 'add' ? await this.#routeMgr!.add(routes, rules) : await this.#routeMgr!.remove(routes, rules))];
      } catch (e) {
        return [...errors, `cannot ${op} routes and rules: ${(e as Error).message}`];
      }
    };
    return { add: () => run('add'), remove: () => run('remove') };
  }

  // --- kernel view

  async #refreshInterfaces(): Promise<void> {
    const rt = this.#rt!;
    const links = await rt.links();
    this.#links.clear();
    for (const l of links) this.#links.set(l.index, { index: l.index, name: l.name, up: linkIsUp(l), mac: l.mac });
    this.#addrs = (await rt.addresses()).map((a) => ({ index: a.index, family: a.family, address: a.address, scope: a.scope, flags: a.flags }));
  }

  #onRtEvent(e: RtEvent): void {
    switch (e.type) {
      case 'link': {
        const l = e.link;
        const prev = this.#links.get(l.index);
        this.#links.set(l.index, { index: l.index, name: l.name || prev?.name || '', up: linkIsUp(l), mac: l.mac ?? prev?.mac });
        return;
      }
      case 'link-up':
      case 'link-down':
        return this.#linkChanged(e.link.name, e.type === 'link-up');
      case 'link-removed':
        this.#links.delete(e.link.index);
        this.#garp?.forget(e.link.index);
        return this.#linkChanged(e.link.name, false);
      case 'address-added':
      case 'address-removed': {
        const a = e.address;
        this.#addrs = this.#addrs.filter((x) => !(x.index === a.index && ipEquals(x.address, a.address)));
        if (e.type === 'address-added') this.#addrs.push({ index: a.index, family: a.family, address: a.address, scope: a.scope, flags: a.flags });
        return this.#recheckSources();
      }
      case 'overrun':
        void this.#refreshInterfaces().then(
          () => this.#recheckSources(),
          () => undefined,
        );
        return;
      default:
        return;
    }
  }

  #linkChanged(ifname: string, up: boolean): void {
    let logged = false;
    for (const inst of this.#model.vrrpInstances) {
      const r = this.runners.get(inst.name);
      if (!r) continue;
      const primary = r.setup.binding.ifname === ifname && !inst.dontTrackPrimary;
      const tracked = inst.trackInterfaces.find((t) => t.name === ifname);
      if (!primary && !tracked) continue;
      if (!logged) {
        this.log.info(`Netlink reports ${ifname} ${up ? 'up' : 'down'}`);
        logged = true;
      }
      if (primary || tracked?.weight === 0) r.setFault(`if:${ifname}`, !up);
      else if (tracked) r.setTracker({ name: `if:${ifname}`, weight: tracked.weight, reverse: tracked.reverse, ok: up });
    }
  }

  /** An automatically chosen source address may appear, change or vanish (IPv6 link-local after link up). */
  #recheckSources(): void {
    // Once per interface and family, not per instance: every VIP added or removed comes back as an
    // address event, so a mass takeover of N instances would otherwise cost N x N x addresses.
    const primaries = new Map<string, IpBytes | undefined>();
    for (const name of this.#autoSrc) {
      const r = this.runners.get(name);
      if (!r) continue;
      const b = r.setup.binding;
      const ifindex = this.#srcIf.get(name) ?? b.ifindex;
      const key = `${b.family}/${ifindex}`;
      if (!primaries.has(key)) primaries.set(key, primaryAddress(b.family, ifindex, this.#addrs));
      const now = primaries.get(key);
      if (now && !ipEquals(now, b.src)) {
        b.src = now;
        r.setup.config.primaryAddr = now;
      }
      r.setFault('src', now === undefined);
    }
  }
}
