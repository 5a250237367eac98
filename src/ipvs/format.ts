// The table as `ipvsadm -Ln` prints it (ipvsadm.c list_all / print_title / print_service_entry),
// so users can debug a director without ipvsadm installed, and the VM tier can diff the two
// outputs character for character. Pure: typed values in, text out.
//
// Kept from ipvsadm on purpose, quirks included:
//  - services sorted by libipvs ipvs_cmp_services (fwmark, af, protocol, address, port) and
//    destinations by ipvs_cmp_dests (address, port), each difference taken as a C `int`, i.e.
//    32-bit wrap-around for addresses and fwmarks;
//  - non-IPv6 names cut at 33 (service) and 28 (destination) characters;
//  - weight printed as a signed int, counters with the K/M/G/T scaling of print_largenum.
import { IP_VS_SVC_F } from './constants.ts';
import { addrBytes, canonicalAddr } from './addr.ts';
import { hostPort } from './describe.ts';
import type { DaemonConfig, Destination, FwdMethod, IpvsInfo, IpvsStats, IpvsTable, IpvsTimeouts, Service } from './types.ts';

export interface ListFormat {
  /** --stats: Conns InPkts OutPkts InBytes OutBytes. */
  stats?: boolean;
  /** --rate: CPS InPPS OutPPS InBPS OutBPS. */
  rate?: boolean;
  /** --exact: counters unscaled. */
  exact?: boolean;
  /** --thresholds: Uthreshold Lthreshold ActiveConn InActConn. */
  thresholds?: boolean;
  /** --persistent-conn: Weight PersistConn ActiveConn InActConn. */
  persistentConn?: boolean;
  /** --tun-info: Forward TunnelInfo Weight ActiveConn InActConn. */
  tunInfo?: boolean;
}

const TUN_FLAGS_TEXT = ['-c', '+c', 'r+c'];

/** ipvsadm's fwd_tun_info: ipip, gue:PORT:FLAGS, gre:FLAGS for tunnel destinations, else n/a. */
function tunInfo(d: Destination): string {
  if (d.fwd !== 'tunnel') return 'n/a';
  const flags = TUN_FLAGS_TEXT[d.tunFlags ?? 0] ?? '(null)';
  switch (d.tunType ?? 'ipip') {
    case 'ipip':
      return 'ipip';
    case 'gue':
      return `gue:${d.tunPort ?? 0}:${flags}`.slice(0, 15);
    case 'gre':
      return `gre:${flags}`.slice(0, 15);
  }
}

const PROTO_NAME: Record<string, string> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
const AF_ORDER: Record<string, number> = { inet: 2, inet6: 10 };
const PROTO_ORDER: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };
const FWD_NAME: Record<FwdMethod, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route', bypass: '(null)' };

/** inet_ntop text whatever spelling the value carries (decoded values already have it). */
function ntop(af: 'inet' | 'inet6', a: string): string {
  try {
    return canonicalAddr(af, a);
  } catch {
    return a;
  }
}

const padR = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padL = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const int32 = (n: number) => n | 0;

/**
 * The address as the C code sees it: a 16-byte nf_inet_addr slot (IPv4 in the first 4 bytes,
 * zeros after), read as `n` host-order words (ntohl of addr.ip, or of each s6_addr32).
 */
function words(af: 'inet' | 'inet6', address: string | undefined, n: number): number[] {
  const slot = Buffer.alloc(16);
  if (address !== undefined) {
    try {
      addrBytes(af, address).copy(slot);
    } catch {
      // unparsable: compares as zeros
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(slot.readUInt32BE(4 * i));
  return out;
}

/** libipvs ipvs_cmp_services, with C int wrap-around. */
export function compareServices(a: Service, b: Service): number {
  let r = int32((a.fwmark ?? 0) - (b.fwmark ?? 0));
  if (r) return r;
  r = AF_ORDER[a.af] - AF_ORDER[b.af];
  if (r) return r;
  r = (a.fwmark ? 0 : PROTO_ORDER[a.protocol ?? ''] ?? 0) - (b.fwmark ? 0 : PROTO_ORDER[b.protocol ?? ''] ?? 0);
  if (r) return r;
  const n = a.af === 'inet6' ? 4 : 1;
  const wa = words(a.af, a.fwmark ? undefined : a.address, n);
  const wb = words(b.af, b.fwmark ? undefined : b.address, n);
  for (let i = 0; !r && i < wa.length; i++) r = int32(wa[i] - (wb[i] ?? 0));
  if (r) return r;
  return (a.fwmark ? 0 : a.port ?? 0) - (b.fwmark ? 0 : b.port ?? 0);
}

/**
 * libipvs ipvs_cmp_dests: the number of words compared follows the first destination's family,
 * and a mixed-family pair compares the other's raw slot (so an IPv6 server behind an IPv4 service
 * sorts by its first 32 bits against the IPv4 ones).
 */
export function compareDests(a: Destination, b: Destination): number {
  const n = (a.af ?? 'inet') === 'inet6' ? 4 : 1;
  const wa = words(a.af ?? 'inet', a.address, n);
  const wb = words(b.af ?? 'inet', b.address, n);
  let r = 0;
  for (let i = 0; !r && i < wa.length; i++) r = int32(wa[i] - (wb[i] ?? 0));
  if (r) return r;
  return a.port - b.port;
}

/** print_largenum. */
export function largeNum(v: bigint, exact = false): string {
  const s = v.toString();
  if (exact) return padL(s, s.length <= 8 ? 9 : s.length + 1);
  if (v < 100_000_000n) return padL(s, 9);
  if (v < 1_000_000_000n) return padL((v / 1000n).toString(), 8) + 'K';
  if (v < 100_000_000_000n) return padL((v / 1_000_000n).toString(), 8) + 'M';
  if (v < 100_000_000_000_000n) return padL((v / 1_000_000_000n).toString(), 8) + 'G';
  return padL((v / 1_000_000_000_000n).toString(), 8) + 'T';
}

const ZERO: IpvsStats = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };

function schedFlags(s: Service): string {
  const f = s.flags;
  const out: string[] = [];
  if (s.scheduler === 'sh' || s.scheduler === 'mh') {
    if (f & IP_VS_SVC_F.SCHED1) out.push(`${s.scheduler}-fallback`);
    if (f & IP_VS_SVC_F.SCHED2) out.push(`${s.scheduler}-port`);
  } else {
    if (f & IP_VS_SVC_F.SCHED1) out.push('flag-1');
    if (f & IP_VS_SVC_F.SCHED2) out.push('flag-2');
    if (f & IP_VS_SVC_F.SCHED3) out.push('flag-3');
  }
  return out.join(',');
}

function v4Mask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 0xff}.${(m >>> 8) & 0xff}.${m & 0xff}`;
}

export function serviceName(s: Service): string {
  if (s.fwmark) return `FWM  ${s.fwmark >>> 0}${s.af === 'inet6' ? ' IPv6' : ''}`;
  const name = `${padR(PROTO_NAME[s.protocol ?? ''] ?? '?', 4)} ${hostPort(s.af, ntop(s.af, s.address ?? ''), s.port ?? 0)}`;
  return s.af === 'inet6' ? name : name.slice(0, 33);
}

function serviceLine(s: Service, fmt: ListFormat): string {
  const name = serviceName(s);
  const st = s.stats ?? ZERO;
  if (fmt.stats) return padR(name, 33) + [st.conns, st.inPkts, st.outPkts, st.inBytes, st.outBytes].map((v) => largeNum(v, fmt.exact)).join('');
  if (fmt.rate) return padR(name, 33) + [st.cps, st.inPps, st.outPps, st.inBps, st.outBps].map((v) => largeNum(v, fmt.exact)).join('');
  let line = `${name} ${s.scheduler}`;
  const sf = schedFlags(s);
  if (sf) line += ` (${sf})`;
  if (s.flags & IP_VS_SVC_F.PERSISTENT) {
    line += ` persistent ${s.timeoutS >>> 0}`;
    if (s.af === 'inet' && s.netmask !== 32) line += ` mask ${v4Mask(s.netmask)}`;
    if (s.af === 'inet6' && s.netmask !== 128) line += ` mask ${s.netmask}`;
    if (s.peName) line += ` pe ${s.peName}`;
  }
  if (s.flags & IP_VS_SVC_F.ONEPACKET) line += ' ops';
  return line;
}

function destLine(d: Destination, svcAf: 'inet' | 'inet6', fmt: ListFormat): string {
  const af = d.af ?? svcAf;
  let name = hostPort(af, ntop(af, d.address), d.port);
  if (af !== 'inet6') name = name.slice(0, 28);
  const st = d.stats ?? ZERO;
  if (fmt.stats) return `  -> ${padR(name, 28)}` + [st.conns, st.inPkts, st.outPkts, st.inBytes, st.outBytes].map((v) => largeNum(v, fmt.exact)).join('');
  if (fmt.rate) {
    return `  -> ${padR(name, 28)} ${padL(String(st.cps), 8)} ${padL(String(st.inPps), 8)} ${padL(String(st.outPps), 8)}` + largeNum(st.inBps, fmt.exact) + largeNum(st.outBps, fmt.exact);
  }
  const u = (n: number, w: number) => padR(String(n >>> 0), w);
  if (fmt.thresholds) return `  -> ${padR(name, 28)} ${u(d.upperThreshold, 10)} ${u(d.lowerThreshold, 10)} ${u(d.activeConns, 10)} ${u(d.inactConns, 10)}`;
  if (fmt.persistentConn) return `  -> ${padR(name, 28)} ${u(d.weight, 9)} ${u(d.persistConns, 11)} ${u(d.activeConns, 10)} ${u(d.inactConns, 10)}`;
  if (fmt.tunInfo) {
    return `  -> ${padR(name, 28)} ${padR(FWD_NAME[d.fwd], 7)} ${padR(tunInfo(d), 13)} ${padR(String(int32(d.weight)), 6)} ${u(d.activeConns, 10)} ${u(d.inactConns, 10)}`;
  }
  return `  -> ${padR(name, 28)} ${padR(FWD_NAME[d.fwd], 7)} ${padR(String(int32(d.weight)), 6)} ${u(d.activeConns, 10)} ${u(d.inactConns, 10)}`;
}

export function formatTitle(fmt: ListFormat): string {
  if (fmt.stats) return `${padR('Prot LocalAddress:Port', 33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => padL(h, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (fmt.rate) return `${padR('Prot LocalAddress:Port', 33)} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((h) => padL(h, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (fmt.thresholds) return `${padR('Prot LocalAddress:Port', 33)} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((h) => padR(h, 10)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (fmt.persistentConn) return `${padR('Prot LocalAddress:Port', 33)} ${padR('Weight', 9)} ${padR('PersistConn', 11)} ${padR('ActiveConn', 10)} ${padR('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  if (fmt.tunInfo) return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

/** `ipvsadm -Ln` (or with --stats / --rate / --exact): the whole table, sorted as ipvsadm sorts it. */
export function formatList(info: Pick<IpvsInfo, 'version' | 'connTabSize'>, table: IpvsTable<Service, Destination>, fmt: ListFormat = {}): string {
  let out = `IP Virtual Server version ${info.version} (size=${info.connTabSize})\n` + formatTitle(fmt);
  const rows = [...table.services].sort((a, b) => compareServices(a.service, b.service));
  for (const row of rows) {
    out += serviceLine(row.service, fmt) + '\n';
    for (const d of [...row.dests].sort(compareDests)) out += destLine(d, row.service.af, fmt) + '\n';
  }
  return out;
}

/** `ipvsadm -L --timeout`. */
export function formatTimeouts(t: IpvsTimeouts): string {
  return `Timeout (tcp tcpfin udp): ${int32(t.tcp)} ${int32(t.tcpFin)} ${int32(t.udp)}\n`;
}

/** `ipvsadm -L --daemon`: master first, then backup, as list_daemon prints them. */
export function formatDaemons(ds: DaemonConfig[]): string {
  let out = '';
  for (const state of ['master', 'backup'] as const) {
    const d = ds.find((x) => x.state === state);
    if (!d) continue;
    out += `${state} sync daemon (mcast=${d.mcastIfn}, syncid=${d.syncId}`;
    if (d.syncMaxLen) out += `, maxlen=${d.syncMaxLen}`;
    if (d.mcastGroup) out += `, group=${d.mcastGroup}`;
    if (d.mcastPort) out += `, port=${d.mcastPort}`;
    if (d.mcastTtl) out += `, ttl=${d.mcastTtl}`;
    out += ')\n';
  }
  return out;
}
