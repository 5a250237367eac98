// rtnetlink policy-routing rules, pure codec. Layouts from linux/fib_rules.h: struct fib_rule_hdr
// { u8 family; u8 dst_len; u8 src_len; u8 tos; u8 table; u8 res1; u8 res2; u8 action; u32 flags }
// = 12 bytes, then FRA_* attributes. As for routes, a table above 255 goes in FRA_TABLE with 0
// in the header. FRA_PROTOCOL (kernel 4.17+) marks who added the rule, like rtm_protocol.
//
// Attribute order follows what `ip rule add|del` sends for keepalived's usual argument order
// (golden captures test/golden/netlink/ip-rule-*.hex): FRA_SRC, FRA_DST, FRA_TABLE, FRA_PRIORITY,
// FRA_IIFNAME, FRA_OIFNAME, FRA_FWMARK, FRA_FWMASK, FRA_PROTOCOL. A delete leaves the action
// unspecified for a plain `table` rule, as iproute2 does.
import { AF_INET, AF_INET6 } from '../native/constants.ts';
import { attrMap, cstring, encodeAttrs, NetlinkDecodeError, readCString, readU32, readU8, u32, u8 } from './message.ts';
import type { AttrSpec, NlMessage } from './message.ts';

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const FIB_RULE_HDR_LEN = 12;

export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_PROTOCOL = 21;

export const FR_ACT_UNSPEC = 0;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

/** Rule actions as iproute2 spells them (`ip rule add ... blackhole`). */
export const RULE_ACTIONS: Record<string, number> = { blackhole: FR_ACT_BLACKHOLE, unreachable: FR_ACT_UNREACHABLE, prohibit: FR_ACT_PROHIBIT, nop: FR_ACT_NOP };

export interface RuleSpec {
  family: typeof AF_INET | typeof AF_INET6;
  src?: { addr: Uint8Array; len: number };
  dst?: { addr: Uint8Array; len: number };
  /** Lookup table (action FR_ACT_TO_TBL). */
  table?: number;
  /** FR_ACT_*; default FR_ACT_TO_TBL. */
  action?: number;
  /** Preference (FRA_PRIORITY), `priority` / `preference` / `order` in ip rule. */
  priority?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  protocol?: number;
}

export interface RuleInfo {
  family: number;
  dstLen: number;
  srcLen: number;
  table: number;
  action: number;
  flags: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  priority?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  protocol: number;
}

function checkName(n: string | undefined, what: string): void {
  if (n !== undefined && (n.length === 0 || Buffer.byteLength(n) > 15)) throw new RangeError(`${what} ${JSON.stringify(n)} is not an interface name (1..15 bytes)`);
}

/** RTM_NEWRULE (`del` false) or RTM_DELRULE (`del` true) payload. */
export function encodeRule(r: RuleSpec, del = false): Buffer {
  const alen = r.family === AF_INET ? 4 : r.family === AF_INET6 ? 16 : 0;
  if (alen === 0) throw new RangeError(`rule family ${r.family} is neither AF_INET nor AF_INET6`);
  for (const [what, p] of [['from', r.src], ['to', r.dst]] as const) {
    if (p && (p.addr.length !== alen || !Number.isInteger(p.len) || p.len < 0 || p.len > alen * 8)) throw new RangeError(`rule ${what} prefix does not fit family ${r.family}`);
  }
  checkName(r.iifname, 'iif');
  checkName(r.oifname, 'oif');
  const action = r.action ?? FR_ACT_TO_TBL;
  const table = r.table ?? 0;
  const h = Buffer.alloc(FIB_RULE_HDR_LEN);
  h.writeUInt8(r.family, 0);
  h.writeUInt8(r.dst?.len ?? 0, 1);
  h.writeUInt8(r.src?.len ?? 0, 2);
  h.writeUInt8(table < 256 ? table : 0, 4);
  h.writeUInt8(del && action === FR_ACT_TO_TBL ? FR_ACT_UNSPEC : action, 7);
  const attrs: AttrSpec[] = [];
  if (r.src) attrs.push({ type: FRA_SRC, value: Buffer.from(r.src.addr) });
  if (r.dst) attrs.push({ type: FRA_DST, value: Buffer.from(r.dst.addr) });
  if (table >= 256) attrs.push({ type: FRA_TABLE, value: u32(table) });
  if (r.priority !== undefined) attrs.push({ type: FRA_PRIORITY, value: u32(r.priority) });
  if (r.iifname !== undefined) attrs.push({ type: FRA_IIFNAME, value: cstring(r.iifname) });
  if (r.oifname !== undefined) attrs.push({ type: FRA_OIFNAME, value: cstring(r.oifname) });
  if (r.fwmark !== undefined) attrs.push({ type: FRA_FWMARK, value: u32(r.fwmark) });
  if (r.fwmask !== undefined) attrs.push({ type: FRA_FWMASK, value: u32(r.fwmask) });
  if (r.protocol !== undefined) attrs.push({ type: FRA_PROTOCOL, value: u8(r.protocol) });
  return Buffer.concat([h, encodeAttrs(attrs)]);
}

/** RTM_GETRULE dump payload. */
export function encodeGetRules(family = 0): Buffer {
  const h = Buffer.alloc(FIB_RULE_HDR_LEN);
  h.writeUInt8(family, 0);
  return h;
}

/** Decodes an RTM_NEWRULE / RTM_DELRULE payload. Throws NetlinkDecodeError. */
export function decodeRule(msg: NlMessage | Buffer): RuleInfo {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < FIB_RULE_HDR_LEN) throw new NetlinkDecodeError(`fib_rule_hdr: ${p.length} bytes, need ${FIB_RULE_HDR_LEN}`);
  const a = attrMap(p.subarray(FIB_RULE_HDR_LEN));
  const tableAttr = a.get(FRA_TABLE);
  const info: RuleInfo = {
    family: p.readUInt8(0),
    dstLen: p.readUInt8(1),
    srcLen: p.readUInt8(2),
    table: tableAttr ? readU32(tableAttr, 'FRA_TABLE') : p.readUInt8(4),
    action: p.readUInt8(7),
    flags: p.readUInt32LE(8),
    protocol: a.has(FRA_PROTOCOL) ? readU8(a.get(FRA_PROTOCOL)!, 'FRA_PROTOCOL') : 0,
  };
  const src = a.get(FRA_SRC);
  if (src) info.src = Uint8Array.from(src);
  const dst = a.get(FRA_DST);
  if (dst) info.dst = Uint8Array.from(dst);
  const prio = a.get(FRA_PRIORITY);
  if (prio) info.priority = readU32(prio, 'FRA_PRIORITY');
  const iif = a.get(FRA_IIFNAME);
  if (iif) info.iifname = readCString(iif);
  const oif = a.get(FRA_OIFNAME);
  if (oif) info.oifname = readCString(oif);
  const mark = a.get(FRA_FWMARK);
  if (mark) info.fwmark = readU32(mark, 'FRA_FWMARK');
  const mask = a.get(FRA_FWMASK);
  if (mask) info.fwmask = readU32(mask, 'FRA_FWMASK');
  return info;
}

/** The rule as RuleSpec fields, to delete exactly what the kernel reported. */
export function ruleSpecOf(r: RuleInfo): RuleSpec {
  return {
    family: r.family === AF_INET6 ? AF_INET6 : AF_INET,
    src: r.src ? { addr: r.src, len: r.srcLen } : undefined,
    dst: r.dst ? { addr: r.dst, len: r.dstLen } : undefined,
    table: r.table,
    action: r.action,
    priority: r.priority,
    iifname: r.iifname,
    oifname: r.oifname,
    fwmark: r.fwmark,
    fwmask: r.fwmask,
    protocol: r.protocol,
  };
}
