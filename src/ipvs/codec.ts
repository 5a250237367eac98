// The IPVS generic-netlink codec: pure functions from typed values to genl payloads
// (`struct genlmsghdr` + attributes, ready to go after an nlmsghdr whose type is the resolved
// family id) and from reply payloads back to typed values. Layouts follow
// include/uapi/linux/ip_vs.h and the attribute policies in net/netfilter/ipvs/ip_vs_ctl.c:
//  - ports are __be16 although the policy says NLA_U16; addresses are raw network-order bytes;
//    AF, protocol, fwmark, flags, weights, thresholds and timeouts are host order (little endian
//    on every platform this runs on);
//  - NEW/SET_SERVICE need SCHED_NAME, FLAGS, TIMEOUT and NETMASK besides the identity (else
//    EINVAL); NEW/SET_DEST need FWD_METHOD, WEIGHT, U_THRESH and L_THRESH besides ADDR and PORT,
//    plus the parent service's identity in the same message;
//  - replies put the object inside one top-level nest (IPVS_CMD_ATTR_SERVICE / _DEST / _DAEMON);
//  - u64 counters come from nla_put_u64_64bit and may be unaligned; PAD and unknown attributes
//    are skipped.
// Malformed input raises NetlinkDecodeError (typed), never another exception.
import {
  NetlinkDecodeError,
  attrMap,
  cstring,
  decodeAttrs,
  encodeAttrs,
  readBe16,
  readCString,
  readU16,
  readU32,
  readU64,
  readU8,
  u16,
  u32,
  u8,
} from '../netlink/message.ts';
import type { AttrSpec } from '../netlink/message.ts';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_GENL_VERSION,
  IPVS_INFO_ATTR,
  IPVS_STATS_ATTR,
  IPVS_SVC_ATTR,
  IP_VS_CONN_F_FWD,
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_IFNAME_MAXLEN,
  IP_VS_PENAME_MAXLEN,
  IP_VS_SCHEDNAME_MAXLEN,
  IP_VS_STATE,
  IP_VS_SVC_F,
  IP_VS_TUNNEL_TYPE,
  versionString,
} from './constants.ts';
import { AttrWriter } from './writer.ts';
import { IpvsAddressError, addrBytes, addrText, familyOfText, v4MaskBytes, v4MaskPrefix } from './addr.ts';
import type {
  DaemonConfig,
  DestConfig,
  DestKey,
  Destination,
  FwdMethod,
  IpvsFamily,
  IpvsInfo,
  IpvsOp,
  IpvsProtocol,
  IpvsStats,
  IpvsTimeouts,
  Service,
  ServiceConfig,
  ServiceKey,
  TunnelType,
} from './types.ts';

// ---------------------------------------------------------------- word <-> number tables

const AF_NUM: Record<IpvsFamily, number> = { inet: AF_INET, inet6: AF_INET6 };
const PROTO_NUM: Record<IpvsProtocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const FWD_NUM: Record<FwdMethod, number> = {
  masq: IP_VS_CONN_F_FWD.MASQ,
  local: IP_VS_CONN_F_FWD.LOCALNODE,
  tunnel: IP_VS_CONN_F_FWD.TUNNEL,
  route: IP_VS_CONN_F_FWD.DROUTE,
  bypass: IP_VS_CONN_F_FWD.BYPASS,
};
const TUN_NUM: Record<TunnelType, number> = { ipip: IP_VS_TUNNEL_TYPE.IPIP, gue: IP_VS_TUNNEL_TYPE.GUE, gre: IP_VS_TUNNEL_TYPE.GRE };

function invert<K extends string>(m: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(m).map(([k, v]) => [v as number, k as K]));
}
const AF_NAME = invert(AF_NUM);
const PROTO_NAME = invert(PROTO_NUM);
const FWD_NAME = invert(FWD_NUM);
const TUN_NAME = invert(TUN_NUM);

/** Default flag mask: every bit but HASHED, which only the kernel sets. */
export const DEFAULT_FLAGS_MASK = ~IP_VS_SVC_F.HASHED >>> 0;

export class IpvsEncodeError extends RangeError {
  readonly code = 'ERR_IPVS_ENCODE';
  constructor(message: string) {
    super(message);
    this.name = 'IpvsEncodeError';
  }
}

function checkU(v: number, bits: 8 | 16 | 32, what: string): number {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new IpvsEncodeError(`${what} ${v} is not a u${bits}`);
  return v;
}

function checkName(s: string, max: number, what: string): Buffer {
  const b = cstring(s);
  if (b.length > max) throw new IpvsEncodeError(`${what} "${s}" is longer than ${max - 1} bytes`);
  return b;
}

// ---------------------------------------------------------------- genl header

/** `struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }` followed by attributes. */
export function genlPayload(cmd: number, attrs: AttrSpec[]): Buffer {
  return Buffer.concat([Buffer.from([cmd, IPVS_GENL_VERSION, 0, 0]), encodeAttrs(attrs)]);
}

export interface GenlReply {
  cmd: number;
  version: number;
  /** Attribute bytes after the 4-byte genl header. */
  attrs: Buffer;
}

export function decodeGenl(payload: Buffer): GenlReply {
  if (payload.length < 4) throw new NetlinkDecodeError(`genl payload of ${payload.length} bytes is shorter than its 4-byte header`);
  return { cmd: payload[0], version: payload[1], attrs: payload.subarray(4) };
}

// ---------------------------------------------------------------- services

/** Identity attributes: (AF, FWMARK) or (AF, PROTOCOL, ADDR, PORT). */
export function writeServiceKey(w: AttrWriter, k: ServiceKey): void {
  const af = AF_NUM[k.af];
  if (af === undefined) throw new IpvsEncodeError(`unknown address family ${String(k.af)}`);
  if (k.fwmark) {
    const mark = checkU(k.fwmark, 32, 'fwmark');
    w.u16(IPVS_SVC_ATTR.AF, af).u32(IPVS_SVC_ATTR.FWMARK, mark);
    return;
  }
  const proto = k.protocol === undefined ? undefined : PROTO_NUM[k.protocol];
  if (proto === undefined) throw new IpvsEncodeError(`service without fwmark needs protocol tcp, udp or sctp (got ${String(k.protocol)})`);
  if (k.address === undefined) throw new IpvsEncodeError('service without fwmark needs an address');
  // The kernel copies min(len, 16) bytes into nf_inet_addr: 4 bytes suffice for IPv4.
  const addr = addrBytes(k.af, k.address);
  const port = checkU(k.port ?? 0, 16, 'port');
  w.u16(IPVS_SVC_ATTR.AF, af).u16(IPVS_SVC_ATTR.PROTOCOL, proto).bytes(IPVS_SVC_ATTR.ADDR, addr).be16(IPVS_SVC_ATTR.PORT, port);
}

/** Full service attributes for NEW/SET_SERVICE. */
export function writeService(w: AttrWriter, s: ServiceConfig): void {
  const flags = checkU(s.flags >>> 0, 32, 'flags');
  const mask = (s.flagsMask ?? DEFAULT_FLAGS_MASK) >>> 0;
  // ipvsadm sends the IPv4 netmask as a mask (0xffffffff by default) and IPv6 as a prefix length.
  const netmask = s.af === 'inet' ? v4MaskBytes(s.netmask) : u32(checkPrefix6(s.netmask));
  const timeout = checkU(s.timeoutS, 32, 'persistence timeout');
  const sched = checkName(s.scheduler, IP_VS_SCHEDNAME_MAXLEN, 'scheduler');
  const pe = s.peName ? checkName(s.peName, IP_VS_PENAME_MAXLEN, 'persistence engine') : undefined;
  writeServiceKey(w, s);
  w.bytes(IPVS_SVC_ATTR.SCHED_NAME, sched);
  if (pe) w.bytes(IPVS_SVC_ATTR.PE_NAME, pe);
  const fl = Buffer.alloc(8); // struct ip_vs_flags { __u32 flags; __u32 mask; }
  fl.writeUInt32LE(flags, 0);
  fl.writeUInt32LE(mask, 4);
  w.bytes(IPVS_SVC_ATTR.FLAGS, fl).u32(IPVS_SVC_ATTR.TIMEOUT, timeout).bytes(IPVS_SVC_ATTR.NETMASK, netmask);
}

function checkPrefix6(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 128) throw new IpvsEncodeError(`IPv6 netmask prefix ${n} out of 0..128`);
  return n;
}

function serviceMessage(cmd: number, fill: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(128).raw([cmd, IPVS_GENL_VERSION, 0, 0]);
  w.nest(IPVS_CMD_ATTR.SERVICE, fill);
  return w.finish();
}

export function encodeNewService(s: ServiceConfig): Buffer {
  return serviceMessage(IPVS_CMD.NEW_SERVICE, (w) => writeService(w, s));
}
export function encodeSetService(s: ServiceConfig): Buffer {
  return serviceMessage(IPVS_CMD.SET_SERVICE, (w) => writeService(w, s));
}
export function encodeDelService(k: ServiceKey): Buffer {
  return serviceMessage(IPVS_CMD.DEL_SERVICE, (w) => writeServiceKey(w, k));
}
/** GET_SERVICE of one service (a doit: the reply is one NEW_SERVICE message). */
export function encodeGetService(k: ServiceKey): Buffer {
  return serviceMessage(IPVS_CMD.GET_SERVICE, (w) => writeServiceKey(w, k));
}
/** GET_SERVICE dump of every service (send with NLM_F_DUMP; no attributes needed). */
export function encodeGetServices(): Buffer {
  return genlPayload(IPVS_CMD.GET_SERVICE, []);
}

function decodeStats(b: Buffer): IpvsStats {
  const m = new Map<number, bigint>();
  for (const a of decodeAttrs(b)) {
    if (a.type === IPVS_STATS_ATTR.PAD || a.type < 1 || a.type > IPVS_STATS_ATTR.OUTBPS) continue;
    // STATS (legacy): u32 except INBYTES/OUTBYTES; STATS64: all u64. Go by the length so a
    // kernel that widens a field later still decodes.
    const v = a.value.length >= 8 ? readU64(a.value, 'stats u64') : BigInt(readU32(a.value, 'stats u32'));
    m.set(a.type, v);
  }
  const g = (t: number) => m.get(t) ?? 0n;
  return {
    conns: g(IPVS_STATS_ATTR.CONNS),
    inPkts: g(IPVS_STATS_ATTR.INPKTS),
    outPkts: g(IPVS_STATS_ATTR.OUTPKTS),
    inBytes: g(IPVS_STATS_ATTR.INBYTES),
    outBytes: g(IPVS_STATS_ATTR.OUTBYTES),
    cps: g(IPVS_STATS_ATTR.CPS),
    inPps: g(IPVS_STATS_ATTR.INPPS),
    outPps: g(IPVS_STATS_ATTR.OUTPPS),
    inBps: g(IPVS_STATS_ATTR.INBPS),
    outBps: g(IPVS_STATS_ATTR.OUTBPS),
  };
}

function required(m: Map<number, Buffer>, t: number, what: string): Buffer {
  const v = m.get(t);
  if (v === undefined) throw new NetlinkDecodeError(`${what} attribute missing`);
  return v;
}

/** The attributes inside one IPVS_CMD_ATTR_SERVICE nest. */
/** Decoder options: counters can be skipped when only the configuration matters (reconcile). */
export interface DecodeOptions {
  /** Decode STATS/STATS64 (default true). */
  stats?: boolean;
}

export function decodeServiceAttrs(b: Buffer, opts: DecodeOptions = {}): Service {
  const m = attrMap(b);
  const afNum = readU16(required(m, IPVS_SVC_ATTR.AF, 'IPVS_SVC_ATTR_AF'), 'IPVS_SVC_ATTR_AF');
  const af = AF_NAME.get(afNum);
  if (!af) throw new NetlinkDecodeError(`service address family ${afNum} unknown`);
  const s: Service = { af, scheduler: '', flags: 0, timeoutS: 0, netmask: af === 'inet' ? 32 : 128 };
  const fw = m.get(IPVS_SVC_ATTR.FWMARK);
  const fwmark = fw ? readU32(fw, 'IPVS_SVC_ATTR_FWMARK') : 0;
  if (fwmark) {
    s.fwmark = fwmark;
  } else {
    const pNum = readU16(required(m, IPVS_SVC_ATTR.PROTOCOL, 'IPVS_SVC_ATTR_PROTOCOL'), 'IPVS_SVC_ATTR_PROTOCOL');
    const p = PROTO_NAME.get(pNum);
    if (!p) throw new NetlinkDecodeError(`service protocol ${pNum} unknown`);
    s.protocol = p;
    s.address = addrText(af, required(m, IPVS_SVC_ATTR.ADDR, 'IPVS_SVC_ATTR_ADDR'));
    s.port = readBe16(required(m, IPVS_SVC_ATTR.PORT, 'IPVS_SVC_ATTR_PORT'), 'IPVS_SVC_ATTR_PORT');
  }
  const sched = m.get(IPVS_SVC_ATTR.SCHED_NAME);
  if (sched) s.scheduler = readCString(sched);
  const pe = m.get(IPVS_SVC_ATTR.PE_NAME);
  if (pe && readCString(pe)) s.peName = readCString(pe);
  const fl = m.get(IPVS_SVC_ATTR.FLAGS);
  if (fl) {
    if (fl.length < 8) throw new NetlinkDecodeError(`IPVS_SVC_ATTR_FLAGS has ${fl.length} bytes, expected 8`);
    s.flags = fl.readUInt32LE(0);
    s.flagsMask = fl.readUInt32LE(4);
  }
  const to = m.get(IPVS_SVC_ATTR.TIMEOUT);
  if (to) s.timeoutS = readU32(to, 'IPVS_SVC_ATTR_TIMEOUT');
  const nm = m.get(IPVS_SVC_ATTR.NETMASK);
  if (nm) {
    need(nm, 4, 'IPVS_SVC_ATTR_NETMASK');
    s.netmask = af === 'inet' ? v4MaskPrefix(nm) : nm.readUInt32LE(0);
  }
  const st64 = opts.stats === false ? undefined : m.get(IPVS_SVC_ATTR.STATS64);
  const st = opts.stats === false ? undefined : m.get(IPVS_SVC_ATTR.STATS);
  if (st64) {
    s.stats = decodeStats(st64);
    s.statsWidth = 64;
  } else if (st) {
    s.stats = decodeStats(st);
    s.statsWidth = 32;
  }
  return s;
}

function need(b: Buffer, n: number, what: string): void {
  if (b.length < n) throw new NetlinkDecodeError(`${what}: expected ${n} bytes, got ${b.length}`);
}

function nested(payload: Buffer, topType: number, what: string): Buffer {
  const { attrs } = decodeGenl(payload);
  const m = attrMap(attrs);
  const v = m.get(topType);
  if (v === undefined) throw new NetlinkDecodeError(`reply carries no ${what} attribute`);
  return v;
}

/** One GET_SERVICE reply message (dump part or doit answer). */
export function decodeServiceReply(payload: Buffer, opts: DecodeOptions = {}): Service {
  return decodeServiceAttrs(nested(payload, IPVS_CMD_ATTR.SERVICE, 'IPVS_CMD_ATTR_SERVICE'), opts);
}

// ---------------------------------------------------------------- destinations

export function writeDestKey(w: AttrWriter, svcAf: IpvsFamily, d: DestKey): void {
  const af = d.af ?? familyOfText(d.address) ?? svcAf;
  const addr = addrBytes(af, d.address);
  const port = checkU(d.port, 16, 'port');
  w.bytes(IPVS_DEST_ATTR.ADDR, addr).be16(IPVS_DEST_ATTR.PORT, port);
  // ADDR_FAMILY (kernel >= 3.18) only when it differs from the service: older kernels and
  // ipvsadm's own requests omit it, and the kernel then takes the service's family.
  if (af !== svcAf) w.u16(IPVS_DEST_ATTR.ADDR_FAMILY, AF_NUM[af]);
}

export function writeDest(w: AttrWriter, svcAf: IpvsFamily, d: DestConfig): void {
  const fwd = FWD_NUM[d.fwd];
  if (fwd === undefined) throw new IpvsEncodeError(`unknown forwarding method ${String(d.fwd)}`);
  const weight = checkU(d.weight, 32, 'weight');
  const tun = d.tunType === undefined ? undefined : TUN_NUM[d.tunType];
  if (d.tunType !== undefined && tun === undefined) throw new IpvsEncodeError(`unknown tunnel type ${String(d.tunType)}`);
  const tunPort = d.tunPort === undefined ? undefined : checkU(d.tunPort, 16, 'tunnel port');
  const tunFlags = d.tunFlags === undefined ? undefined : checkU(d.tunFlags, 16, 'tunnel flags');
  const uth = checkU(d.upperThreshold, 32, 'upper threshold');
  const lth = checkU(d.lowerThreshold, 32, 'lower threshold');
  writeDestKey(w, svcAf, d);
  w.u32(IPVS_DEST_ATTR.FWD_METHOD, fwd).u32(IPVS_DEST_ATTR.WEIGHT, weight);
  if (tun !== undefined) w.u8(IPVS_DEST_ATTR.TUN_TYPE, tun);
  if (tunPort !== undefined) w.be16(IPVS_DEST_ATTR.TUN_PORT, tunPort);
  if (tunFlags !== undefined) w.u16(IPVS_DEST_ATTR.TUN_FLAGS, tunFlags);
  w.u32(IPVS_DEST_ATTR.U_THRESH, uth).u32(IPVS_DEST_ATTR.L_THRESH, lth);
}

function destMessage(cmd: number, svc: ServiceKey, fill: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(160).raw([cmd, IPVS_GENL_VERSION, 0, 0]);
  w.nest(IPVS_CMD_ATTR.SERVICE, (x) => writeServiceKey(x, svc));
  w.nest(IPVS_CMD_ATTR.DEST, fill);
  return w.finish();
}

export function encodeNewDest(svc: ServiceKey, d: DestConfig): Buffer {
  return destMessage(IPVS_CMD.NEW_DEST, svc, (w) => writeDest(w, svc.af, d));
}
export function encodeSetDest(svc: ServiceKey, d: DestConfig): Buffer {
  return destMessage(IPVS_CMD.SET_DEST, svc, (w) => writeDest(w, svc.af, d));
}
export function encodeDelDest(svc: ServiceKey, d: DestKey): Buffer {
  return destMessage(IPVS_CMD.DEL_DEST, svc, (w) => writeDestKey(w, svc.af, d));
}
/** GET_DEST dump of one service's destinations (send with NLM_F_DUMP). */
export function encodeGetDests(svc: ServiceKey): Buffer {
  return serviceMessage(IPVS_CMD.GET_DEST, (w) => writeServiceKey(w, svc));
}

/** The attributes inside one IPVS_CMD_ATTR_DEST nest; `svcAf` is used when ADDR_FAMILY is absent (kernels < 3.18). */
export function decodeDestAttrs(b: Buffer, svcAf: IpvsFamily, opts: DecodeOptions = {}): Destination {
  const m = attrMap(b);
  const afAttr = m.get(IPVS_DEST_ATTR.ADDR_FAMILY);
  let af = svcAf;
  if (afAttr) {
    const n = readU16(afAttr, 'IPVS_DEST_ATTR_ADDR_FAMILY');
    const name = AF_NAME.get(n);
    if (!name) throw new NetlinkDecodeError(`destination address family ${n} unknown`);
    af = name;
  }
  const fwdRaw = readU32(required(m, IPVS_DEST_ATTR.FWD_METHOD, 'IPVS_DEST_ATTR_FWD_METHOD'), 'IPVS_DEST_ATTR_FWD_METHOD');
  const fwd = FWD_NAME.get(fwdRaw & IP_VS_CONN_F_FWD_MASK);
  if (!fwd) throw new NetlinkDecodeError(`forwarding method ${fwdRaw & IP_VS_CONN_F_FWD_MASK} unknown`);
  const u = (t: number, what: string) => {
    const v = m.get(t);
    return v ? readU32(v, what) : 0;
  };
  const d: Destination = {
    address: addrText(af, required(m, IPVS_DEST_ATTR.ADDR, 'IPVS_DEST_ATTR_ADDR')),
    port: readBe16(required(m, IPVS_DEST_ATTR.PORT, 'IPVS_DEST_ATTR_PORT'), 'IPVS_DEST_ATTR_PORT'),
    af,
    fwd,
    weight: u(IPVS_DEST_ATTR.WEIGHT, 'IPVS_DEST_ATTR_WEIGHT'),
    upperThreshold: u(IPVS_DEST_ATTR.U_THRESH, 'IPVS_DEST_ATTR_U_THRESH'),
    lowerThreshold: u(IPVS_DEST_ATTR.L_THRESH, 'IPVS_DEST_ATTR_L_THRESH'),
    activeConns: u(IPVS_DEST_ATTR.ACTIVE_CONNS, 'IPVS_DEST_ATTR_ACTIVE_CONNS'),
    inactConns: u(IPVS_DEST_ATTR.INACT_CONNS, 'IPVS_DEST_ATTR_INACT_CONNS'),
    persistConns: u(IPVS_DEST_ATTR.PERSIST_CONNS, 'IPVS_DEST_ATTR_PERSIST_CONNS'),
  };
  const tt = m.get(IPVS_DEST_ATTR.TUN_TYPE);
  if (tt) {
    const n = readU8(tt, 'IPVS_DEST_ATTR_TUN_TYPE');
    const name = TUN_NAME.get(n);
    if (!name) throw new NetlinkDecodeError(`tunnel type ${n} unknown`);
    d.tunType = name;
  }
  const tp = m.get(IPVS_DEST_ATTR.TUN_PORT);
  if (tp) d.tunPort = readBe16(tp, 'IPVS_DEST_ATTR_TUN_PORT');
  const tf = m.get(IPVS_DEST_ATTR.TUN_FLAGS);
  if (tf) d.tunFlags = readU16(tf, 'IPVS_DEST_ATTR_TUN_FLAGS');
  const st64 = opts.stats === false ? undefined : m.get(IPVS_DEST_ATTR.STATS64);
  const st = opts.stats === false ? undefined : m.get(IPVS_DEST_ATTR.STATS);
  if (st64) {
    d.stats = decodeStats(st64);
    d.statsWidth = 64;
  } else if (st) {
    d.stats = decodeStats(st);
    d.statsWidth = 32;
  }
  return d;
}

export function decodeDestReply(payload: Buffer, svcAf: IpvsFamily, opts: DecodeOptions = {}): Destination {
  return decodeDestAttrs(nested(payload, IPVS_CMD_ATTR.DEST, 'IPVS_CMD_ATTR_DEST'), svcAf, opts);
}

// ---------------------------------------------------------------- info, config, flush, zero

export function encodeGetInfo(): Buffer {
  return genlPayload(IPVS_CMD.GET_INFO, []);
}

/** The SET_INFO reply: VERSION and CONN_TAB_SIZE are top-level attributes. */
export function decodeInfoReply(payload: Buffer): IpvsInfo {
  const m = attrMap(decodeGenl(payload).attrs);
  const versionCode = readU32(required(m, IPVS_INFO_ATTR.VERSION, 'IPVS_INFO_ATTR_VERSION'), 'IPVS_INFO_ATTR_VERSION');
  const connTabSize = readU32(required(m, IPVS_INFO_ATTR.CONN_TAB_SIZE, 'IPVS_INFO_ATTR_CONN_TAB_SIZE'), 'IPVS_INFO_ATTR_CONN_TAB_SIZE');
  return { version: versionString(versionCode), versionCode, connTabSize };
}

export function encodeGetConfig(): Buffer {
  return genlPayload(IPVS_CMD.GET_CONFIG, []);
}

/** SET_CONFIG: a zero or absent value leaves that timeout unchanged in the kernel. */
export function encodeSetConfig(t: Partial<IpvsTimeouts>): Buffer {
  const attrs: AttrSpec[] = [];
  if (t.tcp !== undefined) attrs.push({ type: IPVS_CMD_ATTR.TIMEOUT_TCP, value: u32(checkU(t.tcp, 32, 'tcp timeout')) });
  if (t.tcpFin !== undefined) attrs.push({ type: IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, value: u32(checkU(t.tcpFin, 32, 'tcpfin timeout')) });
  if (t.udp !== undefined) attrs.push({ type: IPVS_CMD_ATTR.TIMEOUT_UDP, value: u32(checkU(t.udp, 32, 'udp timeout')) });
  return genlPayload(IPVS_CMD.SET_CONFIG, attrs);
}

/** GET_CONFIG reply (command SET_CONFIG): the three timeouts as top-level u32 attributes. */
export function decodeConfigReply(payload: Buffer): IpvsTimeouts {
  const m = attrMap(decodeGenl(payload).attrs);
  const g = (t: number, what: string) => {
    const v = m.get(t);
    return v ? readU32(v, what) : 0;
  };
  return {
    tcp: g(IPVS_CMD_ATTR.TIMEOUT_TCP, 'IPVS_CMD_ATTR_TIMEOUT_TCP'),
    tcpFin: g(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, 'IPVS_CMD_ATTR_TIMEOUT_TCP_FIN'),
    udp: g(IPVS_CMD_ATTR.TIMEOUT_UDP, 'IPVS_CMD_ATTR_TIMEOUT_UDP'),
  };
}

export function encodeFlush(): Buffer {
  return genlPayload(IPVS_CMD.FLUSH, []);
}

/** ZERO: every counter, or only one service's (and its destinations') when given. */
export function encodeZero(svc?: ServiceKey): Buffer {
  return svc ? serviceMessage(IPVS_CMD.ZERO, (w) => writeServiceKey(w, svc)) : genlPayload(IPVS_CMD.ZERO, []);
}

// ---------------------------------------------------------------- sync daemon

const STATE_NUM: Record<DaemonConfig['state'], number> = { master: IP_VS_STATE.MASTER, backup: IP_VS_STATE.BACKUP };

export function encodeNewDaemon(d: DaemonConfig): Buffer {
  const state = STATE_NUM[d.state];
  if (state === undefined) throw new IpvsEncodeError(`sync daemon state must be master or backup (got ${String(d.state)})`);
  const attrs: AttrSpec[] = [
    { type: IPVS_DAEMON_ATTR.STATE, value: u32(state) },
    { type: IPVS_DAEMON_ATTR.MCAST_IFN, value: checkName(d.mcastIfn, IP_VS_IFNAME_MAXLEN, 'sync interface') },
    { type: IPVS_DAEMON_ATTR.SYNC_ID, value: u32(checkU(d.syncId, 32, 'sync id')) },
  ];
  if (d.syncMaxLen) attrs.push({ type: IPVS_DAEMON_ATTR.SYNC_MAXLEN, value: u16(checkU(d.syncMaxLen, 16, 'sync maxlen')) });
  if (d.mcastGroup) {
    const af = familyOfText(d.mcastGroup);
    if (!af) throw new IpvsAddressError(`not an IP address: ${JSON.stringify(d.mcastGroup)}`);
    // MCAST_GROUP is a raw in_addr (network order) in a u32 slot; MCAST_GROUP6 an in6_addr.
    attrs.push(
      af === 'inet'
        ? { type: IPVS_DAEMON_ATTR.MCAST_GROUP, value: addrBytes('inet', d.mcastGroup) }
        : { type: IPVS_DAEMON_ATTR.MCAST_GROUP6, value: addrBytes('inet6', d.mcastGroup) },
    );
  }
  if (d.mcastPort) attrs.push({ type: IPVS_DAEMON_ATTR.MCAST_PORT, value: u16(checkU(d.mcastPort, 16, 'sync port')) });
  if (d.mcastTtl) attrs.push({ type: IPVS_DAEMON_ATTR.MCAST_TTL, value: u8(checkU(d.mcastTtl, 8, 'sync ttl')) });
  return genlPayload(IPVS_CMD.NEW_DAEMON, [{ type: IPVS_CMD_ATTR.DAEMON, value: attrs }]);
}

export function encodeDelDaemon(state: DaemonConfig['state']): Buffer {
  const n = STATE_NUM[state];
  if (n === undefined) throw new IpvsEncodeError(`sync daemon state must be master or backup (got ${String(state)})`);
  return genlPayload(IPVS_CMD.DEL_DAEMON, [{ type: IPVS_CMD_ATTR.DAEMON, value: [{ type: IPVS_DAEMON_ATTR.STATE, value: u32(n) }] }]);
}

/** GET_DAEMON dump (send with NLM_F_DUMP): one reply per running daemon. */
export function encodeGetDaemons(): Buffer {
  return genlPayload(IPVS_CMD.GET_DAEMON, []);
}

export function decodeDaemonReply(payload: Buffer): DaemonConfig {
  const m = attrMap(nested(payload, IPVS_CMD_ATTR.DAEMON, 'IPVS_CMD_ATTR_DAEMON'));
  const stateNum = readU32(required(m, IPVS_DAEMON_ATTR.STATE, 'IPVS_DAEMON_ATTR_STATE'), 'IPVS_DAEMON_ATTR_STATE');
  const state = stateNum & IP_VS_STATE.MASTER ? 'master' : stateNum & IP_VS_STATE.BACKUP ? 'backup' : undefined;
  if (!state) throw new NetlinkDecodeError(`sync daemon state ${stateNum} unknown`);
  const d: DaemonConfig = {
    state,
    mcastIfn: readCString(required(m, IPVS_DAEMON_ATTR.MCAST_IFN, 'IPVS_DAEMON_ATTR_MCAST_IFN')),
    syncId: readU32(required(m, IPVS_DAEMON_ATTR.SYNC_ID, 'IPVS_DAEMON_ATTR_SYNC_ID'), 'IPVS_DAEMON_ATTR_SYNC_ID'),
  };
  const ml = m.get(IPVS_DAEMON_ATTR.SYNC_MAXLEN);
  if (ml) d.syncMaxLen = readU16(ml, 'IPVS_DAEMON_ATTR_SYNC_MAXLEN');
  const g4 = m.get(IPVS_DAEMON_ATTR.MCAST_GROUP);
  const g6 = m.get(IPVS_DAEMON_ATTR.MCAST_GROUP6);
  if (g6) d.mcastGroup = addrText('inet6', g6);
  else if (g4) d.mcastGroup = addrText('inet', g4);
  const mp = m.get(IPVS_DAEMON_ATTR.MCAST_PORT);
  if (mp) d.mcastPort = readU16(mp, 'IPVS_DAEMON_ATTR_MCAST_PORT');
  const mt = m.get(IPVS_DAEMON_ATTR.MCAST_TTL);
  if (mt) d.mcastTtl = readU8(mt, 'IPVS_DAEMON_ATTR_MCAST_TTL');
  return d;
}

// ---------------------------------------------------------------- operations (reconcile / batch)

/** The genl payload of one table mutation. */
export function encodeOp(op: IpvsOp): Buffer {
  switch (op.kind) {
    case 'new-service':
      return encodeNewService(op.service);
    case 'set-service':
      return encodeSetService(op.service);
    case 'del-service':
      return encodeDelService(op.service);
    case 'new-dest':
      return encodeNewDest(op.service, op.dest);
    case 'set-dest':
      return encodeSetDest(op.service, op.dest);
    case 'del-dest':
      return encodeDelDest(op.service, op.dest);
  }
}
