// Ancillary data (control messages) for sendmsg/recvmsg, pure. Layout per linux/socket.h on 64-bit
// Linux (x86_64 and arm64): struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }
// = 16 bytes, data follows at CMSG_ALIGN (8 bytes); cmsg_len counts header + data, unpadded.
// Payloads: linux/in.h struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; },
// linux/ipv6.h struct in6_pktinfo { in6_addr addr; int ifindex; }, an int for IP_TTL and
// IPV6_HOPLIMIT, linux/netlink.h struct nl_pktinfo { u32 group; }, and for SCM_TIMESTAMPNS a
// struct timespec { i64 tv_sec; i64 tv_nsec; } of CLOCK_REALTIME (socket(7) SO_TIMESTAMPNS).
import {
  IP_PKTINFO,
  IP_TTL,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
  NETLINK_PKTINFO,
  SO_TIMESTAMPNS,
  SOL_SOCKET,
  SOL_IP,
  SOL_IPV6,
  SOL_NETLINK,
} from './constants.ts';

export const CMSG_HDRLEN = 16;
const cmsgAlign = (n: number): number => (n + 7) & ~7;

export interface Cmsg {
  level: number;
  type: number;
  data: Buffer;
}

/** What a receiver usually wants from the control data, decoded. */
export interface RecvInfo {
  /** IPv4 TTL of the received packet (IP_RECVTTL). */
  ttl?: number;
  /** IPv6 hop limit of the received packet (IPV6_RECVHOPLIMIT). */
  hopLimit?: number;
  /** Interface the packet arrived on (IP_PKTINFO / IPV6_PKTINFO). */
  ifindex?: number;
  /** Destination address of the packet (ipi_addr / ipi6_addr). */
  dst?: Uint8Array;
  /** Netlink multicast group the message was sent to (NETLINK_PKTINFO). */
  nlGroup?: number;
  /** When the kernel received the datagram, CLOCK_REALTIME in ms (SO_TIMESTAMPNS). */
  rxRealtimeMs?: number;
}

/** Splits control data into messages; a malformed tail is ignored (the kernel never sends one). */
export function parseCmsgs(buf: Buffer): Cmsg[] {
  const out: Cmsg[] = [];
  let off = 0;
  while (off + CMSG_HDRLEN <= buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    if (len < CMSG_HDRLEN || off + len > buf.length) break;
    out.push({ level: buf.readInt32LE(off + 8), type: buf.readInt32LE(off + 12), data: buf.subarray(off + CMSG_HDRLEN, off + len) });
    off += cmsgAlign(len);
  }
  return out;
}

export function decodeRecvInfo(control: Buffer): RecvInfo {
  const info: RecvInfo = {};
  for (const c of parseCmsgs(control)) {
    const d = c.data;
    if (c.level === SOL_IP && c.type === IP_TTL && d.length >= 4) info.ttl = d.readInt32LE(0);
    else if (c.level === SOL_IP && c.type === IP_PKTINFO && d.length >= 12) {
      info.ifindex = d.readInt32LE(0);
      info.dst = Uint8Array.from(d.subarray(8, 12));
    } else if (c.level === SOL_IPV6 && c.type === IPV6_HOPLIMIT && d.length >= 4) info.hopLimit = d.readInt32LE(0);
    else if (c.level === SOL_IPV6 && c.type === IPV6_PKTINFO && d.length >= 20) {
      info.dst = Uint8Array.from(d.subarray(0, 16));
      info.ifindex = d.readInt32LE(16);
    } else if (c.level === SOL_NETLINK && c.type === NETLINK_PKTINFO && d.length >= 4) info.nlGroup = d.readUInt32LE(0);
    else if (c.level === SOL_SOCKET && c.type === SO_TIMESTAMPNS && d.length >= 16) {
      info.rxRealtimeMs = Number(d.readBigInt64LE(0)) * 1000 + Number(d.readBigInt64LE(8)) / 1e6;
    }
  }
  return info;
}

export function buildCmsg(level: number, type: number, data: Uint8Array): Buffer {
  const len = CMSG_HDRLEN + data.length;
  const b = Buffer.alloc(cmsgAlign(len));
  b.writeBigUInt64LE(BigInt(len), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  b.set(data, CMSG_HDRLEN);
  return b;
}

/** IPV6_PKTINFO for sendmsg: send from `src` (16 bytes; all-zero lets the kernel choose) out of `ifindex`. */
export function ipv6PktinfoCmsg(src: Uint8Array, ifindex: number): Buffer {
  if (src.length !== 16) throw new RangeError(`IPV6_PKTINFO source must be 16 bytes, got ${src.length}`);
  const d = Buffer.alloc(20);
  d.set(src, 0);
  d.writeInt32LE(ifindex, 16);
  return buildCmsg(SOL_IPV6, IPV6_PKTINFO, d);
}

/** IP_PKTINFO for sendmsg: out of `ifindex`, with `specDst` (4 bytes) as the preferred source. */
export function ipPktinfoCmsg(ifindex: number, specDst: Uint8Array = new Uint8Array(4)): Buffer {
  if (specDst.length !== 4) throw new RangeError(`IP_PKTINFO address must be 4 bytes, got ${specDst.length}`);
  const d = Buffer.alloc(12);
  d.writeInt32LE(ifindex, 0);
  d.set(specDst, 4);
  return buildCmsg(SOL_IP, IP_PKTINFO, d);
}

/** IPV6_HOPLIMIT for one sendmsg. */
export function ipv6HopLimitCmsg(hops: number): Buffer {
  const d = Buffer.alloc(4);
  d.writeInt32LE(hops, 0);
  return buildCmsg(SOL_IPV6, IPV6_HOPLIMIT, d);
}
