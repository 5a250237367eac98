// The IPVS table keepalived-ts wants, built from `virtual_server` blocks and the current health of
// their real servers (keepalived check/ipwrapper.c semantics):
//  - an alive real server is a destination with its current weight (configured weight, or the
//    weight a misc_dynamic checker set);
//  - a dead one is absent, or kept with weight 0 under inhibit_on_failure so existing connections
//    drain;
//  - while quorum is lost and a sorry_server is configured, the alive servers leave the pool
//    ("Removing alive servers from the pool"; inhibited ones stay at weight 0) and the sorry server
//    is the only live destination; with sorry_server_inhibit it stays in the table at weight 0
//    while it is not needed;
//  - a virtual_server_group expands to one service per member address, range address and fwmark,
//    all with the same destinations.
// Pure: model + runtime state in, table out. The reconciler diffs it against the kernel's.
import type { Model, VirtualServer, VirtualServerGroup, RealServer, VsgMember } from '../config/model.ts';
import type { IpvsTable, ServiceConfig, DestConfig, FwdMethod, IpvsFamily, IpvsProtocol } from '../ipvs/types.ts';
import { isIPv6 } from 'node:net';

/** IP_VS_SVC_F_PERSISTENT (include/uapi/linux/ip_vs.h). */
export const SVC_F_PERSISTENT = 0x1;

export interface RealServerRuntime {
  alive: boolean;
  /** Current weight: configured, or changed by misc_dynamic / FILE_CHECK dynamic. */
  weight: number;
}

export interface VirtualServerRuntime {
  quorumUp: boolean;
  /** Keyed by realServerKey(). */
  realServers: Map<string, RealServerRuntime>;
}

export function realServerKey(rs: Pick<RealServer, 'address' | 'port'>): string {
  return isIPv6(rs.address) ? `[${rs.address}]:${rs.port ?? 0}` : `${rs.address}:${rs.port ?? 0}`;
}

export function virtualServerKey(vs: Pick<VirtualServer, 'address' | 'port' | 'fwmark' | 'group' | 'protocol'>): string {
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  if (vs.group !== undefined) return `group ${vs.group}`;
  return `${vs.protocol.toLowerCase()}:${realServerKey({ address: vs.address ?? '', port: vs.port })}`;
}

export function fwdMethod(kind: VirtualServer['lbKind']): FwdMethod {
  return kind === 'DR' ? 'route' : kind === 'TUN' ? 'tunnel' : 'masq';
}

/** `persistence_granularity` as a prefix length (ipvsadm -M takes a netmask). */
export function granularityPrefix(g: string | undefined, af: IpvsFamily): number {
  const full = af === 'inet6' ? 128 : 32;
  if (g === undefined) return full;
  if (/^\d+$/.test(g)) return Math.min(Number(g), full);
  const parts = g.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return full;
  let bits = 0;
  for (const p of parts) bits += p.toString(2).split('').filter((c) => c === '1').length;
  return bits;
}

function familyOf(address: string | undefined, fallback: IpvsFamily = 'inet'): IpvsFamily {
  if (address === undefined) return fallback;
  return isIPv6(address) ? 'inet6' : 'inet';
}

function baseService(vs: VirtualServer, af: IpvsFamily): Omit<ServiceConfig, 'af'> {
  const persistent = vs.persistenceTimeoutSec !== undefined && vs.persistenceTimeoutSec > 0;
  return {
    scheduler: vs.lbAlgo,
    flags: persistent ? SVC_F_PERSISTENT : 0,
    timeoutS: persistent ? vs.persistenceTimeoutSec! : 0,
    netmask: granularityPrefix(vs.persistenceGranularity, af),
    ...(vs.persistenceEngine ? { peName: vs.persistenceEngine } : {}),
  };
}

/** Every address of a group range member (`a.b.c.d-e` on the last octet / hextet, or CIDR-like first..last). */
export function expandRange(first: string, last: string, limit = 65536): string[] | string {
  if (isIPv6(first)) {
    const a = ipv6ToBigInt(first);
    const b = ipv6ToBigInt(last);
    if (b < a) return `range ${first}-${last} is empty`;
    if (b - a >= BigInt(limit)) return `range ${first}-${last} has more than ${limit} addresses`;
    const out: string[] = [];
    for (let x = a; x <= b; x++) out.push(bigIntToIpv6(x));
    return out;
  }
  const a = ipv4ToInt(first);
  const b = ipv4ToInt(last);
  if (b < a) return `range ${first}-${last} is empty`;
  if (b - a >= limit) return `range ${first}-${last} has more than ${limit} addresses`;
  const out: string[] = [];
  for (let x = a; x <= b; x++) out.push([x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.'));
  return out;
}

function ipv4ToInt(s: string): number {
  return s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

function ipv6ToBigInt(s: string): bigint {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

function bigIntToIpv6(x: bigint): string {
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((x >> BigInt(i * 16)) & 0xffffn).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/**
 * The services every virtual_server of `model` stands for; with `addresses`, only those whose
 * address is one of them (an instance's VIPs: self-balancing, hook-managed services, cleanup).
 */
export function modelServices(model: Pick<Model, 'virtualServers' | 'virtualServerGroups'>, addresses?: ReadonlySet<string>): ServiceConfig[] {
  const groups = new Map(model.virtualServerGroups.map((g) => [g.name, g]));
  const all = model.virtualServers.flatMap((vs) => servicesOf(vs, groups).services);
  return addresses ? all.filter((s) => s.address !== undefined && addresses.has(s.address)) : all;
}

/** The services one virtual_server block stands for. Errors (bad group) come back as text. */
export function servicesOf(vs: VirtualServer, groups: Map<string, VirtualServerGroup>): { services: ServiceConfig[]; errors: string[] } {
  const proto = vs.protocol.toLowerCase() as IpvsProtocol;
  const errors: string[] = [];
  if (vs.fwmark !== undefined) {
    const af: IpvsFamily = vs.ipFamily ?? 'inet';
    return { services: [{ af, fwmark: vs.fwmark, ...baseService(vs, af) }], errors };
  }
  if (vs.group === undefined) {
    const af = familyOf(vs.address);
    return { services: [{ af, protocol: proto, address: vs.address, port: vs.port ?? 0, ...baseService(vs, af) }], errors };
  }
  const g = groups.get(vs.group);
  if (!g) return { services: [], errors: [`virtual_server_group ${vs.group} is not defined`] };
  const services: ServiceConfig[] = [];
  for (const m of g.members as VsgMember[]) {
    if (m.kind === 'fwmark') {
      const af: IpvsFamily = m.family ?? vs.ipFamily ?? 'inet';
      services.push({ af, fwmark: m.fwmark, ...baseService(vs, af) });
    } else if (m.kind === 'address') {
      const af = familyOf(m.address);
      services.push({ af, protocol: proto, address: m.address, port: m.port ?? vs.port ?? 0, ...baseService(vs, af) });
    } else {
      const addrs = expandRange(m.first, m.last);
      if (typeof addrs === 'string') {
        errors.push(`${m.file}:${m.line}: ${addrs}`);
        continue;
      }
      const af = familyOf(m.first);
      for (const a of addrs) services.push({ af, protocol: proto, address: a, port: m.port ?? vs.port ?? 0, ...baseService(vs, af) });
    }
  }
  return { services, errors };
}

function dest(rs: { address: string; port?: number }, vs: VirtualServer, weight: number, extra: Partial<DestConfig> = {}): DestConfig {
  return {
    address: rs.address,
    port: rs.port ?? 0,
    fwd: fwdMethod(vs.lbKind),
    weight,
    upperThreshold: 0,
    lowerThreshold: 0,
    ...extra,
  };
}

/** The destinations one virtual server wants now. */
export function destsOf(vs: VirtualServer, rt: VirtualServerRuntime): DestConfig[] {
  const sorryActive = !rt.quorumUp && vs.sorryServer !== undefined;
  const out: DestConfig[] = [];
  for (const rs of vs.realServers) {
    const state = rt.realServers.get(realServerKey(rs)) ?? { alive: !vs.alpha, weight: rs.weight };
    const thresholds = { upperThreshold: rs.uthreshold ?? 0, lowerThreshold: rs.lthreshold ?? 0 };
    if (state.alive && !sorryActive) out.push(dest(rs, vs, state.weight, thresholds));
    else if (rs.inhibitOnFailure) out.push(dest(rs, vs, 0, thresholds));
  }
  if (vs.sorryServer) {
    if (sorryActive) out.push(dest(vs.sorryServer, vs, 1));
    else if (vs.sorryServerInhibit) out.push(dest(vs.sorryServer, vs, 0));
  }
  return out;
}

/** The whole wanted table. `runtime` is keyed by virtualServerKey(). */
export function wantedTable(
  virtualServers: VirtualServer[],
  groups: VirtualServerGroup[],
  runtime: Map<string, VirtualServerRuntime>,
): { table: IpvsTable; errors: string[] } {
  const groupMap = new Map(groups.map((g) => [g.name, g]));
  const table: IpvsTable = { services: [] };
  const errors: string[] = [];
  for (const vs of virtualServers) {
    const { services, errors: e } = servicesOf(vs, groupMap);
    errors.push(...e);
    const rt = runtime.get(virtualServerKey(vs)) ?? { quorumUp: true, realServers: new Map() };
    const dests = destsOf(vs, rt);
    // Services of a group get their own copies; a lone service takes the list as built (half
    // the cost of building a 1,000 x 10 table, which runs on every manager pass).
    for (const s of services) table.services.push({ service: s, dests: services.length === 1 ? dests : dests.map((d) => ({ ...d })) });
  }
  return { table, errors };
}
