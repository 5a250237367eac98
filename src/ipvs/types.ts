// Typed values of the IPVS table: what a caller builds and what the decoders return. Kernel
// numbers (AF_*, IPPROTO_*, IP_VS_CONN_F_*) stay in the codec; here they are words.

export type IpvsFamily = 'inet' | 'inet6';
export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
/** Forwarding method (IPVS_DEST_ATTR_FWD_METHOD): NAT, local node, IP tunnel, direct routing. */
export type FwdMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';
/** Tunnel encapsulation of a `tunnel` destination (IPVS_DEST_ATTR_TUN_TYPE, kernel 5.2+). */
export type TunnelType = 'ipip' | 'gue' | 'gre';

/**
 * Identity of a virtual service: (af, protocol, address, port) or (af, fwmark). A non-zero
 * `fwmark` makes it a firewall-mark service, and then protocol/address/port are ignored.
 */
export interface ServiceKey {
  af: IpvsFamily;
  fwmark?: number;
  protocol?: IpvsProtocol;
  /** Text form (dotted quad or IPv6). */
  address?: string;
  port?: number;
}

/** Everything NEW_SERVICE / SET_SERVICE sends. */
export interface ServiceConfig extends ServiceKey {
  /** Scheduler module name: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos. */
  scheduler: string;
  /** IP_VS_SVC_F_* bits (PERSISTENT, ONEPACKET, SCHED1..3); HASHED is kernel-internal. */
  flags: number;
  /**
   * Which flag bits this request changes: the kernel applies `(old & ~mask) | (flags & mask)`.
   * Defaults to every bit but HASHED.
   */
  flagsMask?: number;
  /** Persistence timeout in seconds (meaningful with the PERSISTENT flag). */
  timeoutS: number;
  /** Persistence granularity as a prefix length: 0..32 for IPv4 (sent as a mask), 0..128 for IPv6. */
  netmask: number;
  /** Persistence engine, e.g. "sip"; empty or absent for none. */
  peName?: string;
}

/** Counters. STATS64 values as they are; legacy STATS (u32 counters) widened. */
export interface IpvsStats {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

/** A service as the kernel reports it. */
export interface Service extends ServiceConfig {
  /** STATS64 when the kernel sent it, else the legacy STATS nest. */
  stats?: IpvsStats;
  /** Which nest `stats` came from. */
  statsWidth?: 64 | 32;
}

export interface DestKey {
  address: string;
  port: number;
  /** Address family of the real server; defaults to the service's (mixed families need `tunnel`). */
  af?: IpvsFamily;
}

/** Everything NEW_DEST / SET_DEST sends. */
export interface DestConfig extends DestKey {
  fwd: FwdMethod;
  /** u32 on the wire; 0 quiesces the server (no new connections). */
  weight: number;
  /** Connection thresholds, 0 = none. */
  upperThreshold: number;
  lowerThreshold: number;
  tunType?: TunnelType;
  /** GUE destination port. */
  tunPort?: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* bits (CSUM 1, REMCSUM 2). */
  tunFlags?: number;
}

export interface Destination extends DestConfig {
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats?: IpvsStats;
  statsWidth?: 64 | 32;
}

export interface IpvsInfo {
  /** e.g. "1.2.1" */
  version: string;
  versionCode: number;
  /** Size of the connection hash table. */
  connTabSize: number;
}

/** Connection timeouts in seconds; 0 in SET_CONFIG leaves a value unchanged. */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export type SyncState = 'master' | 'backup';

export interface DaemonConfig {
  state: SyncState;
  /** Interface the sync messages use. */
  mcastIfn: string;
  syncId: number;
  /** Max sync message payload (kernel >= 4.3); 0/absent = by MTU. */
  syncMaxLen?: number;
  /** Multicast group (IPv4 or IPv6 text); absent = 224.0.0.81. */
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

/** A service with its destinations: one row of a whole table. */
export interface TableService<S extends ServiceConfig = ServiceConfig, D extends DestConfig = DestConfig> {
  service: S;
  dests: D[];
}

export interface IpvsTable<S extends ServiceConfig = ServiceConfig, D extends DestConfig = DestConfig> {
  services: TableService<S, D>[];
}

/** One mutation of the table: what reconcile() produces and IpvsClient.apply() sends. */
export type IpvsOp =
  | { kind: 'new-service'; service: ServiceConfig }
  | { kind: 'set-service'; service: ServiceConfig }
  | { kind: 'del-service'; service: ServiceKey }
  | { kind: 'new-dest'; service: ServiceKey; dest: DestConfig }
  | { kind: 'set-dest'; service: ServiceKey; dest: DestConfig }
  | { kind: 'del-dest'; service: ServiceKey; dest: DestKey };
