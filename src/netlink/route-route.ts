// rtnetlink routes, pure codec. Layouts from linux/rtnetlink.h: struct rtmsg { u8 family; u8 dst_len;
// u8 src_len; u8 tos; u8 table; u8 protocol; u8 scope; u8 type; u32 flags } = 12 bytes, then RTA_*
// attributes. Tables above 255 do not fit the u8 header field: the header says RT_TABLE_UNSPEC (0)
// and RTA_TABLE (u32) carries the number, as iproute2 does.
//
// Attribute order and the defaults below follow what `ip route add|del` sends (golden captures in
// test/golden/netlink/ip-route-*.hex): RTA_DST, RTA_PREFSRC, RTA_GATEWAY, RTA_PRIORITY, RTA_TABLE,
// RTA_OIF. Default scope as iproute2 chooses it: IPv4 unicast without a gateway is link scope,
// everything else universe; a delete says RT_SCOPE_NOWHERE and type unspec for unicast ("match
// any"), so it finds the route whatever scope the kernel stored.
import { formatIp } from '../vrrp/addr.ts';
import { AF_INET, AF_INET6 } from '../native/constants.ts';
import { attrMap, encodeAttrs, NetlinkDecodeError, readU32, u32 } from './message.ts';
import type { AttrSpec, NlMessage } from './message.ts';
import { RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE } from './route-addr.ts';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

export const RTMSG_LEN = 12;

export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;

// linux/rtnetlink.h route types
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** Route type names as iproute2 spells them. */
export const ROUTE_TYPES: Record<string, number> = { unicast: RTN_UNICAST, local: RTN_LOCAL, blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT, throw: RTN_THROW };

export interface RouteSpec {
  family: typeof AF_INET | typeof AF_INET6;
  /** Destination prefix bytes (4 or 16) and length. */
  dst: Uint8Array;
  dstLen: number;
  /** RTN_*; default unicast. */
  type?: number;
  /** Routing table; default main (254). */
  table?: number;
  /** RTPROT_* marker (rtm_protocol). */
  protocol?: number;
  /** RT_SCOPE_*; default as iproute2 (see the file comment). */
  scope?: number;
  /** Preferred source (RTA_PREFSRC), `src` in ip route. */
  prefsrc?: Uint8Array;
  /** Next hop (RTA_GATEWAY), `via` / `gw`. */
  gateway?: Uint8Array;
  /** Output interface index (RTA_OIF), `dev`. */
  oif?: number;
  /** Metric (RTA_PRIORITY). */
  metric?: number;
}

/** A route as the kernel reports it (the fields keepalived-ts reads). */
export interface RouteInfo {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  dst?: Uint8Array;
  gateway?: Uint8Array;
  prefsrc?: Uint8Array;
  oif?: number;
  metric?: number;
}

function check(r: RouteSpec): number {
  const alen = r.family === AF_INET ? 4 : r.family === AF_INET6 ? 16 : 0;
  if (alen === 0) throw new RangeError(`route family ${r.family} is neither AF_INET nor AF_INET6`);
  if (r.dst.length !== alen) throw new RangeError(`route destination of ${r.dst.length} bytes in family ${r.family}`);
  if (!Number.isInteger(r.dstLen) || r.dstLen < 0 || r.dstLen > alen * 8) throw new RangeError(`prefix length ${r.dstLen} out of 0..${alen * 8}`);
  for (const [what, a] of [['gateway', r.gateway], ['src', r.prefsrc]] as const) {
    if (a && a.length !== alen) throw new RangeError(`route ${what} of ${a.length} bytes in family ${r.family}`);
  }
  if (r.table !== undefined && (!Number.isInteger(r.table) || r.table < 0 || r.table > 0xffffffff)) throw new RangeError(`table ${r.table} out of range`);
  return alen;
}

/** Default scope of an added route (iproute2's choice, see the file comment). */
export function defaultRouteScope(r: Pick<RouteSpec, 'family' | 'type' | 'gateway'>): number {
  const type = r.type ?? RTN_UNICAST;
  if (r.family === AF_INET6) return RT_SCOPE_UNIVERSE;
  if (type === RTN_LOCAL) return 254; // RT_SCOPE_HOST
  if (type === RTN_UNICAST && !r.gateway) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}

/** RTM_NEWROUTE (`del` false) or RTM_DELROUTE (`del` true) payload. */
export function encodeRoute(r: RouteSpec, del = false): Buffer {
  check(r);
  const type = r.type ?? RTN_UNICAST;
  const table = r.table ?? RT_TABLE_MAIN;
  const scope = r.scope ?? (del ? RT_SCOPE_NOWHERE : defaultRouteScope(r));
  const h = Buffer.alloc(RTMSG_LEN);
  h.writeUInt8(r.family, 0);
  h.writeUInt8(r.dstLen, 1);
  h.writeUInt8(table < 256 ? table : RT_TABLE_UNSPEC, 4);
  h.writeUInt8(r.protocol ?? 0, 5);
  h.writeUInt8(scope, 6);
  h.writeUInt8(del && type === RTN_UNICAST ? RTN_UNSPEC : type, 7);
  const attrs: AttrSpec[] = [{ type: RTA_DST, value: Buffer.from(r.dst) }];
  if (r.prefsrc) attrs.push({ type: RTA_PREFSRC, value: Buffer.from(r.prefsrc) });
  if (r.gateway) attrs.push({ type: RTA_GATEWAY, value: Buffer.from(r.gateway) });
  if (r.metric !== undefined) attrs.push({ type: RTA_PRIORITY, value: u32(r.metric) });
  if (table >= 256) attrs.push({ type: RTA_TABLE, value: u32(table) });
  if (r.oif !== undefined) attrs.push({ type: RTA_OIF, value: u32(r.oif) });
  return Buffer.concat([h, encodeAttrs(attrs)]);
}

/** RTM_GETROUTE dump payload: every table of one family (0 = all). */
export function encodeGetRoutes(family = 0): Buffer {
  const h = Buffer.alloc(RTMSG_LEN);
  h.writeUInt8(family, 0);
  return h;
}

/** Decodes an RTM_NEWROUTE / RTM_DELROUTE payload. Throws NetlinkDecodeError. */
export function decodeRoute(msg: NlMessage | Buffer): RouteInfo {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg: ${p.length} bytes, need ${RTMSG_LEN}`);
  const a = attrMap(p.subarray(RTMSG_LEN));
  const family = p.readUInt8(0);
  const alen = family === AF_INET ? 4 : family === AF_INET6 ? 16 : -1;
  const addr = (type: number, what: string): Uint8Array | undefined => {
    const v = a.get(type);
    if (!v) return undefined;
    if (alen > 0 && v.length !== alen) throw new NetlinkDecodeError(`${what} of ${v.length} bytes in a family ${family} route`);
    return Uint8Array.from(v);
  };
  const tableAttr = a.get(RTA_TABLE);
  const info: RouteInfo = {
    family,
    dstLen: p.readUInt8(1),
    srcLen: p.readUInt8(2),
    tos: p.readUInt8(3),
    table: tableAttr ? readU32(tableAttr, 'RTA_TABLE') : p.readUInt8(4),
    protocol: p.readUInt8(5),
    scope: p.readUInt8(6),
    type: p.readUInt8(7),
    flags: p.readUInt32LE(8),
  };
  const dst = addr(RTA_DST, 'RTA_DST');
  if (dst) info.dst = dst;
  const gw = addr(RTA_GATEWAY, 'RTA_GATEWAY');
  if (gw) info.gateway = gw;
  const src = addr(RTA_PREFSRC, 'RTA_PREFSRC');
  if (src) info.prefsrc = src;
  const oif = a.get(RTA_OIF);
  if (oif) info.oif = readU32(oif, 'RTA_OIF');
  const prio = a.get(RTA_PRIORITY);
  if (prio) info.metric = readU32(prio, 'RTA_PRIORITY');
  return info;
}

/** The route as RouteSpec fields, to delete exactly what the kernel reported. */
export function routeSpecOf(r: RouteInfo): RouteSpec {
  const alen = r.family === AF_INET6 ? 16 : 4;
  return {
    family: r.family === AF_INET6 ? AF_INET6 : AF_INET,
    dst: r.dst ?? new Uint8Array(alen),
    dstLen: r.dstLen,
    type: r.type,
    table: r.table,
    protocol: r.protocol,
    scope: r.scope,
    prefsrc: r.prefsrc,
    gateway: r.gateway,
    oif: r.oif,
    metric: r.metric,
  };
}

/** `ip route` style text of a route, for log lines. */
export function formatRoute(r: Partial<Pick<RouteSpec, 'dst' | 'type' | 'gateway' | 'table' | 'metric' | 'prefsrc'>> & { dstLen: number; family?: number; dev?: string }): string {
  const type = r.type ?? RTN_UNICAST;
  const name = Object.entries(ROUTE_TYPES).find(([, v]) => v === type)?.[0];
  const dst = r.dst ?? new Uint8Array(r.family === AF_INET6 ? 16 : 4);
  const parts = [type !== RTN_UNICAST && name ? `${name} ` : '', r.dstLen === 0 ? 'default' : `${formatIp(dst)}/${r.dstLen}`];
  if (r.prefsrc) parts.push(` src ${formatIp(r.prefsrc)}`);
  if (r.gateway) parts.push(` via ${formatIp(r.gateway)}`);
  if (r.dev) parts.push(` dev ${r.dev}`);
  if (r.table !== undefined && r.table !== RT_TABLE_MAIN) parts.push(` table ${r.table}`);
  if (r.metric !== undefined) parts.push(` metric ${r.metric}`);
  return parts.join('');
}
