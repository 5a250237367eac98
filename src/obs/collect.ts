// One snapshot of the daemon's state for `keepalived-ts status` and the Prometheus endpoint:
// VRRP instances (state, base and effective priority, master, last transition and why, counters,
// drops by reason) and real servers (up/down, weight, last probe and its reason). The snapshot is
// plain JSON data: no secret (auth_pass) is ever copied into it. toMetricFamilies() turns it into
// keepalived-exporter-named metric families (metrics.ts renders them).
import { formatIp } from '../vrrp/addr.ts';
import type { VrrpRuntime } from '../vrrp/runtime.ts';
import type { Model } from '../config/model.ts';
import type { ScheduleEntry } from '../daemon/drains.ts';
import type { LvsSide } from '../daemon/lvs-side.ts';
import { realServerKey, virtualServerKey } from '../lvs/wanted.ts';
import { VRRP_STATE_VALUE, type MetricFamily } from './metrics.ts';
import type { Destination, IpvsStats, IpvsTable, Service, ServiceKey } from '../ipvs/types.ts';

export interface InstanceStatus {
  name: string;
  state: string;
  wantState: string;
  interface: string;
  vrid: number;
  version: number;
  basePriority: number;
  configuredPriority: number;
  effectivePriority: number;
  /** Address of the master we follow (ours while MASTER), or null. */
  master: string | null;
  masterPriority: number | null;
  vips: string[];
  vipsHeld: boolean;
  faults: string[];
  maintenance: boolean;
  lastTransition: { from: string; to: string; at: string; why: string } | null;
  counters: Record<string, number>;
  drops: Record<string, number>;
}

export interface RealServerStatus {
  virtualServer: string;
  realServer: string;
  up: boolean;
  weight: number;
  configuredWeight: number;
  drained: boolean;
  lastProbe: { checker: string; ok: boolean; reason: string; detail: string; at: string; latencyMs: number } | null;
}

export interface VirtualServerStatus {
  virtualServer: string;
  quorumUp: boolean | null;
  realServers: RealServerStatus[];
}

/** A scheduled drain / maintenance window (src/daemon/drains.ts), from ctl or the configuration. */
export interface ScheduleStatus extends ScheduleEntry {
  openUntil: string | null;
  nextRun: string | null;
}

export interface StatusSnapshot {
  pid: number;
  version: string;
  configFile: string;
  startedAt: string;
  now: string;
  instances: InstanceStatus[];
  virtualServers: VirtualServerStatus[];
  ipvs: { available: boolean; counters?: Record<string, number> };
  schedules?: ScheduleStatus[];
}

export interface CollectSources {
  runtime: VrrpRuntime;
  lvs: LvsSide | null;
  model: Model;
  configFile: string;
  version: string;
  startedAtMs: number;
  /** Instances under `ctl maintenance` and the priority they were lowered to. */
  maintenance?: ReadonlySet<string>;
  drained?: ReadonlySet<string>;
  schedules?: ScheduleStatus[];
  /** Why each instance made its last transition, recorded when it was seen (ops.ts). */
  whyOf?: (name: string, atMs: number) => string | undefined;
  /** Wall-clock ms of a runtime clock reading. */
  wallOf?: (clockMs: number) => number;
}

/** Why an instance is in `to` now, inferred from its state right after the transition. */
export function transitionWhy(from: string, to: string, st: { effectivePriority: number; masterAddr?: string | null; masterPriority?: number | null; faults: string[]; syncFault?: boolean; maintenance?: boolean }): string {
  if (to === 'FAULT') return st.syncFault ? 'sync group member in FAULT' : `fault: ${st.faults.join(', ') || 'interface or tracker'}`;
  if (to === 'STOP') return 'stopping';
  if (to === 'MASTER') {
    if (from === 'INIT' && st.effectivePriority === 255) return 'address owner (priority 255)';
    return `no higher-priority master (master_down_timer expired or preempted), effective priority ${st.effectivePriority}`;
  }
  if (to === 'BACKUP') {
    if (st.maintenance) return 'maintenance (ctl maintenance on)';
    if (from === 'MASTER') return st.masterAddr ? `higher-priority advert from ${st.masterAddr} (priority ${st.masterPriority ?? '?'})` : 'released master';
    if (from === 'FAULT') return 'fault cleared';
    if (from === 'INIT') return 'started';
  }
  return `${from} -> ${to}`;
}

export function collect(src: CollectSources): StatusSnapshot {
  const wall = src.wallOf ?? ((ms: number) => ms);
  const instances: InstanceStatus[] = [];
  const configured = new Map(src.model.vrrpInstances.map((i) => [i.name, i]));
  for (const r of src.runtime.runners.values()) {
    const s = r.state;
    const last = [...src.runtime.transitions].reverse().find((t) => t.name === r.name);
    const faults = [...s.interfaceFaults, ...s.trackerFaults];
    const maintenance = src.maintenance?.has(r.name) ?? false;
    const master = s.masterAddr ? formatIp(s.masterAddr) : s.state === 'MASTER' ? formatIp(r.setup.binding.src) : null;
    instances.push({
      name: r.name,
      state: s.state,
      wantState: s.wantState,
      interface: r.setup.binding.ifname,
      vrid: s.config.vrid,
      version: s.config.version,
      basePriority: s.basePriority,
      configuredPriority: configured.get(r.name)?.priority ?? s.config.basePriority,
      effectivePriority: s.effectivePriority,
      master,
      masterPriority: s.state === 'MASTER' ? s.effectivePriority : (s.masterPriority ?? null),
      vips: r.setup.vips.map((v) => `${formatIp(v.address)}/${v.prefix}`),
      vipsHeld: s.vipsHeld,
      faults,
      maintenance,
      lastTransition: last
        ? {
            from: last.from,
            to: last.to,
            at: new Date(wall(last.atMs)).toISOString(),
            why: src.whyOf?.(r.name, last.atMs) ?? transitionWhy(last.from, last.to, { effectivePriority: s.effectivePriority, masterAddr: master, masterPriority: s.masterPriority ?? null, faults, syncFault: s.syncFault, maintenance }),
          }
        : null,
      counters: { ...s.counters },
      drops: Object.fromEntries(Object.entries(r.drops).filter(([, v]) => typeof v === 'number')),
    });
  }
  const virtualServers: VirtualServerStatus[] = [];
  const lvs = src.lvs;
  if (lvs) {
    const health = lvs.currentHealth();
    for (const vs of src.model.virtualServers) {
      const vsKey = virtualServerKey(vs);
      const rss: RealServerStatus[] = [];
      for (const rs of vs.realServers) {
        const rsKey = realServerKey(rs);
        const st = health.state.realServerState(vsKey, rsKey);
        const p = health.lastProbes.get(`${vsKey}|${rsKey}`);
        rss.push({
          virtualServer: vsKey,
          realServer: rsKey,
          up: st?.alive ?? false,
          weight: st?.weight ?? rs.weight,
          configuredWeight: rs.weight,
          drained: src.drained?.has(rsKey) ?? false,
          lastProbe: p ? { checker: p.checker, ok: p.ok, reason: p.reason, detail: p.detail, at: new Date(p.atMs).toISOString(), latencyMs: p.latencyMs } : null,
        });
      }
      virtualServers.push({ virtualServer: vsKey, quorumUp: health.state.quorumUp(vsKey) ?? null, realServers: rss });
    }
  }
  const c = lvs?.counters();
  return {
    pid: process.pid,
    version: src.version,
    configFile: src.configFile,
    startedAt: new Date(src.startedAtMs).toISOString(),
    now: new Date().toISOString(),
    instances,
    virtualServers,
    ipvs: { available: c !== undefined, counters: c ? { ...c } : undefined },
    ...(src.schedules ? { schedules: src.schedules } : {}),
  };
}

/** keepalived-exporter names (keepalived_*) plus keepalived_ts_* for what it lacks. */
export function toMetricFamilies(s: StatusSnapshot): MetricFamily[] {
  const il = (i: InstanceStatus) => ({ iname: i.name, intf: i.interface, vrid: i.vrid, ip_address: i.vips.join(',') });
  const counter = (name: string, help: string, key: string): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: s.instances.map((i) => ({ labels: il(i), value: i.counters[key] ?? 0 })),
  });
  const fams: MetricFamily[] = [
    { name: 'keepalived_up', help: 'Status of the keepalived-ts daemon (1 up)', type: 'gauge', samples: [{ value: 1 }] },
    { name: 'keepalived_vrrp_state', help: 'VRRP state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP)', type: 'gauge', samples: s.instances.map((i) => ({ labels: il(i), value: VRRP_STATE_VALUE[i.state] ?? 0 })) },
    counter('keepalived_advert_rcvd_total', 'Advertisements received', 'advertsRx'),
    counter('keepalived_advert_sent_total', 'Advertisements sent', 'advertsTx'),
    counter('keepalived_become_master_total', 'Times the instance became master', 'becomeMaster'),
    counter('keepalived_release_master_total', 'Times the instance released master', 'releaseMaster'),
    counter('keepalived_pri_zero_rcvd_total', 'Priority 0 advertisements received', 'priZeroRx'),
    counter('keepalived_pri_zero_sent_total', 'Priority 0 advertisements sent', 'priZeroTx'),
    {
      name: 'keepalived_ts_vrrp_priority',
      help: 'Priority: kind="base" as configured in force, kind="effective" after trackers and maintenance',
      type: 'gauge',
      samples: s.instances.flatMap((i) => [
        { labels: { ...il(i), kind: 'base' }, value: i.basePriority },
        { labels: { ...il(i), kind: 'effective' }, value: i.effectivePriority },
      ]),
    },
    {
      name: 'keepalived_ts_vrrp_transitions_total',
      help: 'State transitions (becoming master plus releasing master)',
      type: 'counter',
      samples: s.instances.map((i) => ({ labels: il(i), value: (i.counters.becomeMaster ?? 0) + (i.counters.releaseMaster ?? 0) })),
    },
    {
      name: 'keepalived_ts_advert_dropped_total',
      help: 'Received advertisements dropped, by reason',
      type: 'counter',
      samples: s.instances.flatMap((i) => Object.entries(i.drops).map(([reason, v]) => ({ labels: { ...il(i), reason }, value: v }))),
    },
    { name: 'keepalived_ts_vrrp_maintenance', help: '1 while ctl maintenance is on', type: 'gauge', samples: s.instances.map((i) => ({ labels: il(i), value: i.maintenance ? 1 : 0 })) },
  ];
  const rsl = (vs: VirtualServerStatus, r: RealServerStatus) => ({ virtual_server: vs.virtualServer, real_server: r.realServer });
  const rs = s.virtualServers.flatMap((vs) => vs.realServers.map((r) => ({ vs, r })));
  fams.push(
    { name: 'keepalived_ts_real_server_up', help: 'Real server health (1 up)', type: 'gauge', samples: rs.map(({ vs, r }) => ({ labels: rsl(vs, r), value: r.up ? 1 : 0 })) },
    { name: 'keepalived_ts_real_server_weight', help: 'Real server weight in force (0 while drained)', type: 'gauge', samples: rs.map(({ vs, r }) => ({ labels: rsl(vs, r), value: r.weight })) },
    {
      name: 'keepalived_ts_check_last_result',
      help: 'Last probe of the real server (1 success, 0 failure)',
      type: 'gauge',
      samples: rs.filter(({ r }) => r.lastProbe).map(({ vs, r }) => ({ labels: { ...rsl(vs, r), checker: r.lastProbe!.checker, reason: r.lastProbe!.reason }, value: r.lastProbe!.ok ? 1 : 0 })),
    },
    {
      name: 'keepalived_ts_check_latency_seconds',
      help: 'Duration of the last probe',
      type: 'gauge',
      samples: rs.filter(({ r }) => r.lastProbe).map(({ vs, r }) => ({ labels: { ...rsl(vs, r), checker: r.lastProbe!.checker }, value: r.lastProbe!.latencyMs / 1000 })),
    },
    { name: 'keepalived_ts_virtual_server_quorum_up', help: 'Quorum of the virtual server (1 up)', type: 'gauge', samples: s.virtualServers.map((vs) => ({ labels: { virtual_server: vs.virtualServer }, value: vs.quorumUp ? 1 : 0 })) },
  );
  if (s.ipvs.counters) {
    fams.push({
      name: 'keepalived_ts_ipvs_manager_total',
      help: 'IPVS manager counters (syncs, ops, failedOps, repairs: reads that found drift, reads: whole-table kernel reads, resyncs)',
      type: 'counter',
      samples: Object.entries(s.ipvs.counters).map(([kind, v]) => ({ labels: { kind }, value: v })),
    });
  }
  return fams;
}

/** The kernel's IPVS table with counters (STATS64 where the kernel sends it), as metric families. */
export function ipvsFamilies(table: IpvsTable<Service, Destination>): MetricFamily[] {
  const svcName = (s: ServiceKey) => (s.fwmark ? `FWM ${s.fwmark}` : `${s.protocol}:${s.af === 'inet6' ? `[${s.address}]` : s.address}:${s.port}`);
  const destName = (d: Destination) => (d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`);
  const counters: [keyof IpvsStats, string, string][] = [
    ['conns', 'connections_total', 'Connections scheduled'],
    ['inPkts', 'in_packets_total', 'Incoming packets'],
    ['outPkts', 'out_packets_total', 'Outgoing packets'],
    ['inBytes', 'in_bytes_total', 'Incoming bytes'],
    ['outBytes', 'out_bytes_total', 'Outgoing bytes'],
  ];
  const fams: MetricFamily[] = [];
  for (const [key, suffix, help] of counters) {
    fams.push({
      name: `keepalived_ts_ipvs_service_${suffix}`,
      help: `IPVS service: ${help}`,
      type: 'counter',
      samples: table.services.filter((s) => s.service.stats).map((s) => ({ labels: { virtual_server: svcName(s.service) }, value: s.service.stats![key] })),
    });
    fams.push({
      name: `keepalived_ts_ipvs_real_server_${suffix}`,
      help: `IPVS real server: ${help}`,
      type: 'counter',
      samples: table.services.flatMap((s) => s.dests.filter((d) => d.stats).map((d) => ({ labels: { virtual_server: svcName(s.service), real_server: destName(d) }, value: d.stats![key] }))),
    });
  }
  fams.push(
    {
      name: 'keepalived_ts_ipvs_real_server_weight',
      help: 'Weight of the real server in the kernel IPVS table',
      type: 'gauge',
      samples: table.services.flatMap((s) => s.dests.map((d) => ({ labels: { virtual_server: svcName(s.service), real_server: destName(d) }, value: d.weight }))),
    },
    {
      name: 'keepalived_ts_ipvs_real_server_active_connections',
      help: 'Active connections to the real server',
      type: 'gauge',
      samples: table.services.flatMap((s) => s.dests.map((d) => ({ labels: { virtual_server: svcName(s.service), real_server: destName(d) }, value: d.activeConns }))),
    },
  );
  return fams;
}
