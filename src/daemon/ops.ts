// Operations wiring, kept out of the composition root: the control socket (`keepalived-ts status`,
// `keepalived-ts ctl`), the Prometheus endpoint (--metrics), systemd's notify protocol, and the
// operator's persistent overrides (drained real servers, instances in maintenance) in the state
// file (--state-file). daemon.ts calls startOps() once the daemon runs; everything here ends with
// the daemon (handle.done).
//
// Control commands (one JSON line each, see src/obs/control.ts):
//   {cmd:"status"}                              -> StatusSnapshot (src/obs/collect.ts)
//   {cmd:"drain",   args:[RS]}                  -> weight 0 through the LVS state, persisted
//   {cmd:"undrain", args:[RS]}                  -> configured weight again, persisted
//   {cmd:"maintenance", args:[INSTANCE, on|off]} -> effective priority lowered by 254 (a tracker
//                                                  named ctl-maintenance), so a peer takes the VIP
//   {cmd:"schedule", args:[list|add ...|del ID]} -> cron windows (drains.ts); the configuration's
//                                                  drain_schedule / maintenance_schedule are listed
//                                                  too, re-armed from the new file on every reload
//   {cmd:"dump", args:[json|data|stats]}         -> keepalived.json / .data / .stats in --dump-dir
//                                                  (as SIGUSR1 / SIGUSR2 / SIGRTMIN+2 do)
// RS is `IP:PORT` (`[IPv6]:PORT`) or `VS/IP:PORT` to pick one virtual server (`tcp:10.0.0.1:80/…`).
import type { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DaemonOptions } from './options.ts';
import type { DaemonHandle } from './daemon.ts';
import type { LvsSide } from './lvs-side.ts';
import { controlRequest, startControlServer, type ControlReply, type ControlRequest } from '../obs/control.ts';
import { startMetricsEndpoint } from '../obs/metrics.ts';
import { probeDurations } from '../obs/histogram.ts';
import { collect, ipvsFamilies, toMetricFamilies, transitionWhy, type StatusSnapshot } from '../obs/collect.ts';
import { SdNotifier } from './sd-notify.ts';
import { DrainScheduler, configEntries, validateSchedule, type ScheduleEntry } from './drains.ts';
import { configSchedules } from '../config/build-drains.ts';
import { formatData, formatJson, formatStats, writeDump, type DumpName } from './dumps.ts';
import { SIGRTMIN, watchSignal } from '../native/signals.ts';
import { realServerKey, virtualServerKey } from '../lvs/wanted.ts';
import { version } from '../cli/version.ts';
import { formatIp } from '../vrrp/addr.ts';
// Type only: the IPVS client is loaded for --metrics (its IPVS families), not by every daemon.
import type { IpvsClient } from '../ipvs/client.ts';
import type { Destination, IpvsTable, Service } from '../ipvs/types.ts';

export const MAINTENANCE_TRACKER = 'ctl-maintenance';

export interface OpsState {
  drained: string[];
  maintenance: string[];
  schedules: ScheduleEntry[];
}

export function readStateFile(path: string | undefined): OpsState {
  const empty: OpsState = { drained: [], maintenance: [], schedules: [] };
  if (!path) return empty;
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<OpsState>;
    const schedules = (Array.isArray(j.schedules) ? j.schedules : []).filter((e) => e && typeof e.id === 'string' && validateSchedule(e) === null);
    return { drained: Array.isArray(j.drained) ? j.drained.map(String) : [], maintenance: Array.isArray(j.maintenance) ? j.maintenance.map(String) : [], schedules };
  } catch {
    return empty;
  }
}

export function writeStateFile(path: string, s: OpsState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Parses `HOST:PORT`, `[V6]:PORT` or `VSKEY/HOST:PORT` into the keys LvsState uses. */
export function parseRealServerArg(arg: string): { vsKey?: string; rsKey: string } {
  const slash = arg.lastIndexOf('/');
  const rs = slash >= 0 ? arg.slice(slash + 1) : arg;
  return { vsKey: slash >= 0 ? arg.slice(0, slash) : undefined, rsKey: rs };
}

export interface Ops {
  snapshot(): StatusSnapshot;
  close(): Promise<void>;
}

export async function startOps(o: DaemonOptions, handle: DaemonHandle, lvsOf: () => LvsSide | null): Promise<Ops> {
  const log = handle.log;
  const startedAtMs = Date.now();
  const state = readStateFile(o.stateFile);
  const whys = new Map<string, string>();
  const notifier = new SdNotifier();

  const model = () => handle.runtime.model;
  const persist = (): void => {
    if (!o.stateFile) return;
    try {
      writeStateFile(o.stateFile, state);
    } catch (e) {
      log.error(`cannot write the state file ${o.stateFile}: ${(e as Error).message}`);
    }
  };

  // --- maintenance: a weighted tracker on the runner, re-applied after every reload.
  // Manual overrides merged with the open scheduled windows (drains.ts).
  const scheduler = new DrainScheduler(() => {
    applyMaintenance();
    applyDrains();
  });
  // The configuration's schedules (validated at load: a bad one never gets here) plus ctl's.
  const armSchedules = (): void => scheduler.set([...configEntries(configSchedules(model())), ...state.schedules]);
  const inMaintenance = (name: string): boolean => state.maintenance.includes(name) || scheduler.active('maintenance').has(name);
  const applyMaintenance = (): void => {
    for (const r of handle.runtime.runners.values()) {
      r.setTracker({ name: MAINTENANCE_TRACKER, weight: -254, reverse: false, ok: !inMaintenance(r.name) });
    }
  };

  // --- drains: weight 0 through the LVS state; undrain restores the configured weight.
  const matches = (arg: string): { vsKey: string; rsKey: string; weight: number }[] => {
    const { vsKey, rsKey } = parseRealServerArg(arg);
    const out: { vsKey: string; rsKey: string; weight: number }[] = [];
    for (const vs of model().virtualServers) {
      const vk = virtualServerKey(vs);
      if (vsKey && vsKey !== vk) continue;
      for (const rs of vs.realServers) if (realServerKey(rs) === rsKey) out.push({ vsKey: vk, rsKey, weight: rs.weight });
    }
    return out;
  };
  // Drains in force (manual or scheduled) as `vsKey|rsKey`: a real server leaving the set gets its
  // configured weight back; one entering it gets weight 0. Others are left alone (dynamic weights).
  let applied = new Set<string>();
  const wantedDrains = (): Map<string, { vsKey: string; rsKey: string; weight: number }> => {
    const out = new Map<string, { vsKey: string; rsKey: string; weight: number }>();
    for (const d of [...state.drained, ...scheduler.active('drain')]) for (const m of matches(d)) out.set(`${m.vsKey}|${m.rsKey}`, m);
    return out;
  };
  const applyDrains = (): void => {
    const lvs = lvsOf();
    if (!lvs) return;
    const want = wantedDrains();
    for (const m of want.values()) lvs.setWeight(m.vsKey, m.rsKey, 0);
    for (const k of applied) {
      if (want.has(k)) continue;
      const [vsKey, rsKey] = k.split('|');
      const vs = model().virtualServers.find((v) => virtualServerKey(v) === vsKey);
      const rs = vs?.realServers.find((r) => realServerKey(r) === rsKey);
      if (rs) lvs.setWeight(vsKey, rsKey, rs.weight);
    }
    applied = new Set(want.keys());
  };

  const snapshot = (): StatusSnapshot => {
    const drainedKeys = new Set([...wantedDrains().values()].map((m) => m.rsKey));
    return collect({
      runtime: handle.runtime,
      lvs: lvsOf(),
      model: model(),
      configFile: o.configFile,
      version,
      startedAtMs,
      maintenance: new Set([...handle.runtime.runners.keys()].filter(inMaintenance)),
      drained: drainedKeys,
      schedules: scheduler.list(),
      whyOf: (name, atMs) => whys.get(`${name}@${atMs}`),
      wallOf: (ms) => performance.timeOrigin + ms,
    });
  };

  // Why each transition happened, recorded as soon as it is seen (a status later would only see
  // the state of that later moment).
  const seen = new Set<string>();
  // Entries already looked at, by identity. The list only grows at its end, so a poll walks back
  // over the new ones and stops: re-keying all of them (up to 100) every 50 ms was ~20 % of the
  // daemon's CPU with 250 idle masters (bench/vrrp/scale.ts).
  const looked = new WeakSet<object>();
  const watchTransitions = (): void => {
    const ts = handle.runtime.transitions;
    for (let i = ts.length - 1; i >= 0 && !looked.has(ts[i]); i--) {
      const t = ts[i];
      looked.add(t);
      const k = `${t.name}@${t.atMs}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const r = handle.runtime.runners.get(t.name);
      if (!r) continue;
      const s = r.state;
      whys.set(
        k,
        transitionWhy(t.from, t.to, {
          effectivePriority: s.effectivePriority,
          masterAddr: s.masterAddr ? formatIp(s.masterAddr) : null,
          masterPriority: s.masterPriority ?? null,
          faults: [...s.interfaceFaults, ...s.trackerFaults],
          syncFault: s.syncFault,
          maintenance: inMaintenance(t.name),
        }),
      );
    }
    if (seen.size > 1000) seen.clear();
  };
  // Run once per batch of transitions, after the instance's step has been carried out (a
  // microtask: never inside the instance's own action loop, where a throw would reset it). It used
  // to be a 50 ms poll: 20 wake-ups a second for nothing, ~0.3 % of a core even with one idle
  // instance (bench/vrrp/scale.ts: 0.10 CPU-s per 30 s at N=1, keepalived 0.00).
  let watchQueued = false;
  handle.runtime.onTransitionRecorded = () => {
    if (watchQueued) return;
    watchQueued = true;
    queueMicrotask(() => {
      watchQueued = false;
      try {
        watchTransitions();
      } catch (e) {
        log.error(`cannot record why a transition happened: ${(e as Error).message}`);
      }
    });
  };
  watchTransitions(); // those of the start, before this listener was set

  const dumpText = (name: DumpName): string => {
    const runners = handle.runtime.runners.values();
    if (name === 'keepalived.data') return formatData(runners);
    if (name === 'keepalived.stats') return formatStats(runners);
    const last = (n: string): number | undefined => {
      const t = [...handle.runtime.transitions].reverse().find((x) => x.name === n);
      return t ? performance.timeOrigin + t.atMs : undefined;
    };
    return formatJson(runners, { model: model(), jsonVersion: model().globalDefs.jsonVersion === 2 ? 2 : 1, lastTransitionMs: last, maintenance: new Set([...handle.runtime.runners.keys()].filter(inMaintenance)) });
  };
  const reply = (data: unknown): ControlReply => ({ ok: true, data });
  const fail = (error: string): ControlReply => ({ ok: false, error });
  // keepalived's SIGRTMIN+2 writes the JSON dump (keepalived(8)). Node cannot catch real-time
  // signals, so the addon's libuv watcher does; without it the signal would kill the daemon.
  try {
    watchSignal(SIGRTMIN + 2, () => {
      const r = writeDump(o.dumpDir, 'keepalived.json', dumpText('keepalived.json'));
      if (r.error) log.error(`cannot write ${r.path}: ${r.error}`);
      else log.info(`Printing VRRP json for process(${process.pid}) on signal to ${r.path}`);
    });
  } catch (e) {
    log.warn(`cannot catch SIGRTMIN+2 (JSON dump); use 'keepalived-ts ctl dump json': ${(e as Error).message}`);
  }
  const handler = (req: ControlRequest): ControlReply => {
    const args = req.args ?? [];
    switch (req.cmd) {
      case 'status':
        watchTransitions();
        return reply(snapshot());
      case 'drain':
      case 'undrain': {
        const arg = args[0];
        if (!arg) return fail(`${req.cmd} needs a real server (IP:PORT)`);
        const lvs = lvsOf();
        if (!lvs) return fail('no virtual_server is running (the LVS side is off)');
        const ms = matches(arg);
        if (ms.length === 0) return fail(`no real server ${arg} in the running configuration`);
        state.drained = state.drained.filter((d) => d !== arg);
        if (req.cmd === 'drain') state.drained.push(arg);
        persist();
        applyDrains();
        log.info(`ctl ${req.cmd} ${arg}: weight ${req.cmd === 'drain' ? 0 : 'restored'} in ${ms.length} virtual server(s)`);
        return reply({ realServers: ms.map((m) => `${m.vsKey}/${m.rsKey}`), drained: req.cmd === 'drain' });
      }
      case 'maintenance': {
        const [name, onOff] = args;
        if (!name || (onOff !== 'on' && onOff !== 'off')) return fail('usage: maintenance INSTANCE on|off');
        if (!handle.runtime.runners.has(name)) return fail(`no VRRP instance ${name}`);
        state.maintenance = state.maintenance.filter((n) => n !== name);
        if (onOff === 'on') state.maintenance.push(name);
        persist();
        applyMaintenance();
        log.info(`ctl maintenance ${name} ${onOff}`);
        return reply({ instance: name, maintenance: onOff === 'on', effectivePriority: handle.runtime.runners.get(name)!.state.effectivePriority });
      }
      case 'schedule': {
        // schedule list | schedule add drain|maintenance TARGET CRON SECONDS [TZ] | schedule del ID
        const [sub, ...rest] = args;
        if (sub === 'list') return reply(scheduler.list());
        if (sub === 'del') {
          const id = rest[0];
          const fromConfig = scheduler.list().find((e) => e.id === id && e.source);
          if (fromConfig) return fail(`schedule ${id} is written in the configuration at ${fromConfig.source}: remove it there and reload`);
          if (!id || !state.schedules.some((e) => e.id === id)) return fail(`no schedule ${id ?? ''}`);
          state.schedules = state.schedules.filter((e) => e.id !== id);
          persist();
          armSchedules();
          return reply({ removed: id });
        }
        if (sub === 'add') {
          const [kind, target, expr, seconds, timezone] = rest;
          const e = { kind: kind as ScheduleEntry['kind'], target, cron: expr ?? '', durationS: Number(seconds), timezone };
          const err = validateSchedule(e);
          if (err) return fail(err);
          const id = String(1 + Math.max(0, ...state.schedules.map((x) => Number(x.id) || 0)));
          state.schedules.push({ id, ...e });
          persist();
          armSchedules();
          log.info(`ctl schedule ${id}: ${kind} ${target} at '${expr}' for ${seconds} s`);
          return reply(scheduler.list().find((x) => x.id === id));
        }
        return fail('usage: schedule list | schedule add drain|maintenance TARGET CRON SECONDS [TZ] | schedule del ID');
      }
      case 'dump': {
        const what = args[0];
        const names: Record<string, DumpName> = { json: 'keepalived.json', data: 'keepalived.data', stats: 'keepalived.stats' };
        const name = what ? names[what] : undefined;
        if (!name) return fail('usage: dump json|data|stats');
        const r = writeDump(o.dumpDir, name, dumpText(name));
        if (r.error) return fail(`cannot write ${r.path}: ${r.error}`);
        log.info(`Printing VRRP ${what} for process(${process.pid}) on request to ${r.path}`);
        return reply({ path: r.path });
      }
      default:
        return fail(`unknown command '${req.cmd}' (status, drain, undrain, maintenance, schedule, dump)`);
    }
  };

  // The control socket: never steal one a live daemon answers on; remove ours when we stop.
  let control: Server | null = null;
  let controlIno: number | undefined;
  if (existsSync(o.controlSocket) && (await controlRequest(o.controlSocket, { cmd: 'status' }, 1000)).ok) {
    log.error(`control socket ${o.controlSocket} belongs to another running keepalived-ts - status and ctl are unavailable for this one (use --control-socket)`);
  } else {
    try {
      control = await startControlServer(o.controlSocket, handler);
      controlIno = statSync(o.controlSocket).ino;
    } catch (e) {
      log.error(`control socket ${o.controlSocket}: ${(e as Error).message} - status and ctl are unavailable`);
    }
  }

  // IPVS counters for the metrics: the kernel table polled every 5 s by our own client, when the
  // kernel has IPVS and there is a virtual_server (else nothing is added).
  let ipvsTable: IpvsTable<Service, Destination> | null = null;
  let ipvsClient: IpvsClient | null = null;
  let ipvsPoll: NodeJS.Timeout | undefined;
  let ipvsMissing = false;
  const pollIpvs = async (): Promise<void> => {
    if (ipvsMissing || model().virtualServers.length === 0) return;
    try {
      ipvsClient ??= await (await import('../ipvs/client.ts')).IpvsClient.open();
    } catch {
      ipvsMissing = true; // no IPVS in this kernel: no IPVS metrics
      return;
    }
    try {
      ipvsTable = await ipvsClient.getTable();
    } catch {
      ipvsTable = null;
    }
  };
  // Probe-duration histograms (obs/histogram.ts), limited to the real servers configured now.
  const probeFamilies = () => {
    probeDurations.retain(new Set(model().virtualServers.flatMap((vs) => vs.realServers.map((rs) => `${virtualServerKey(vs)}|${realServerKey(rs)}`))));
    return probeDurations.families();
  };
  let metrics: HttpServer | null = null;
  if (o.metrics) {
    try {
      const { host, port } = parseListen(o.metrics);
      await pollIpvs();
      ipvsPoll = setInterval(() => void pollIpvs(), 5000);
      ipvsPoll.unref();
      metrics = await startMetricsEndpoint({ host, port, collect: () => [...toMetricFamilies(snapshot()), ...probeFamilies(), ...(ipvsTable ? ipvsFamilies(ipvsTable) : [])] });
      log.info(`Prometheus metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
    } catch (e) {
      log.error(`metrics endpoint ${o.metrics}: ${(e as Error).message}`);
    }
  }

  armSchedules();
  applyMaintenance();
  applyDrains();

  // systemd: READY=1 now that the instances run; RELOADING=1 ... READY=1 around SIGHUP;
  // STOPPING=1 on SIGTERM/SIGINT. The daemon's own SIGHUP listener is replaced by one that awaits
  // the same reload (handle.reload) so READY=1 follows the reload's end, and maintenance / drains
  // are re-applied to the new instances.
  const notifyErr = (e: string | null) => e && log.warn(e);
  const daemonHups = process.listeners('SIGHUP');
  for (const l of daemonHups) process.off('SIGHUP', l as () => void);
  const onHup = (): void => {
    notifyErr(notifier.reloading());
    void handle.reload().then((ok) => {
      if (ok) {
        armSchedules(); // the new file's schedules: kept ones keep their window, removed ones end
        applyMaintenance();
        applyDrains();
      }
      notifyErr(notifier.ready(ok ? 'reloaded' : 'reload failed, running the previous configuration'));
    });
  };
  const onStop = (): void => void notifyErr(notifier.stopping());
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  notifyErr(notifier.ready(`${handle.runtime.runners.size} VRRP instance(s)`));

  const close = async (): Promise<void> => {
    handle.runtime.onTransitionRecorded = undefined;
    clearInterval(ipvsPoll);
    ipvsClient?.close();
    scheduler.close();
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await Promise.all([
      control ? new Promise<void>((r) => control!.close(() => r())) : undefined,
      metrics ? new Promise<void>((r) => { metrics!.closeAllConnections(); metrics!.close(() => r()); }) : undefined,
    ]);
    notifier.close();
    try {
      if (controlIno !== undefined && statSync(o.controlSocket).ino === controlIno) rmSync(o.controlSocket, { force: true });
    } catch {
      // already gone
    }
  };
  void handle.done.then(close);
  return { snapshot, close };
}

/** `PORT`, `ADDR:PORT` or `[V6]:PORT`; loopback unless an address is given. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`--metrics wants [ADDR:]PORT, not '${s}'`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port: Number(m[3]) };
}
