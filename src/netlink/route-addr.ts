// rtnetlink addresses, pure codec. Layouts from linux/if_addr.h: struct ifaddrmsg { u8 family;
// u8 prefixlen; u8 flags; u8 scope; u32 index } = 8 bytes, then IFA_* attributes. The u8 flags field
// only holds the low 8 IFA_F_* bits; IFA_FLAGS (u32) carries all of them and wins when present.
// Scope numbers from linux/rtnetlink.h enum rt_scope_t.
//
// Which attribute holds "the" address (as iproute2 reads it): IFA_LOCAL is the local address and
// IFA_ADDRESS the peer/prefix address; for IPv4 both are normally equal, for IPv6 without a peer
// only IFA_ADDRESS is sent. So local = IFA_LOCAL ?? IFA_ADDRESS.
import { formatIp } from '../vrrp/addr.ts';
import { AF_INET, AF_INET6 } from '../native/constants.ts';
import { attrMap, cstring, encodeAttrs, NetlinkDecodeError, readCString, readU32, u32 } from './message.ts';
import type { AttrSpec, NlMessage } from './message.ts';

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const IFADDRMSG_LEN = 8;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_PROTO = 11;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_TEMPORARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Scope names as iproute2 and keepalived's `scope` keyword spell them. */
export const SCOPE_NAMES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** An address to add or delete. */
export interface AddrSpec {
  /** Interface index. */
  index: number;
  /** 4 or 16 bytes, network order; the family follows from the length. */
  address: Uint8Array;
  prefixLen: number;
  /** IFA_LABEL, IPv4 only (IPv6 has no labels; ignored there). */
  label?: string;
  /** RT_SCOPE_*; default universe (global). */
  scope?: number;
  /** IPv4 broadcast (IFA_BROADCAST). */
  broadcast?: Uint8Array;
  /** IFA_F_* flags, e.g. IFA_F_NODAD | IFA_F_NOPREFIXROUTE for IPv6 VIPs. */
  flags?: number;
  /** Point-to-point peer (becomes IFA_ADDRESS while the address goes in IFA_LOCAL). */
  peer?: Uint8Array;
}

/** An address as the kernel reports it. */
export interface AddrInfo {
  family: number;
  index: number;
  prefixLen: number;
  scope: number;
  /** IFA_F_* (from IFA_FLAGS when present). */
  flags: number;
  /** Local address bytes. */
  address: Uint8Array;
  /** Text form (dotted quad / RFC 5952). */
  text: string;
  /** IFA_ADDRESS when it differs from the local address (point-to-point peer). */
  peer?: Uint8Array;
  label?: string;
  broadcast?: Uint8Array;
  /** Lifetimes in seconds from IFA_CACHEINFO (0xffffffff = forever). */
  preferredLft?: number;
  validLft?: number;
}

function familyFor(addr: Uint8Array): number {
  if (addr.length === 4) return AF_INET;
  if (addr.length === 16) return AF_INET6;
  throw new RangeError(`address must be 4 or 16 bytes, got ${addr.length}`);
}

export function encodeIfAddr(h: { family: number; prefixLen: number; flags: number; scope: number; index: number }, attrs: AttrSpec[]): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.prefixLen, 1);
  b.writeUInt8(h.flags & 0xff, 2);
  b.writeUInt8(h.scope, 3);
  b.writeUInt32LE(h.index >>> 0, 4);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}

/**
 * RTM_NEWADDR / RTM_DELADDR payload, with the attributes `ip addr add|del` sends: IFA_LOCAL and
 * IFA_ADDRESS (the peer when one is given), IFA_BROADCAST and IFA_LABEL for IPv4, and IFA_FLAGS
 * when a flag does not fit the u8 header field (IFA_F_NOPREFIXROUTE and above).
 */
export function encodeAddr(a: AddrSpec): Buffer {
  const family = familyFor(a.address);
  const max = family === AF_INET ? 32 : 128;
  if (!Number.isInteger(a.prefixLen) || a.prefixLen < 0 || a.prefixLen > max) throw new RangeError(`prefix length ${a.prefixLen} out of 0..${max}`);
  if (!Number.isInteger(a.index) || a.index <= 0) throw new RangeError(`interface index ${a.index} must be positive`);
  if (a.peer && a.peer.length !== a.address.length) throw new RangeError('peer and address families differ');
  const flags = a.flags ?? 0;
  const attrs: AttrSpec[] = [
    { type: IFA_LOCAL, value: Buffer.from(a.address) },
    { type: IFA_ADDRESS, value: Buffer.from(a.peer ?? a.address) },
  ];
  if (family === AF_INET) {
    if (a.broadcast) {
      if (a.broadcast.length !== 4) throw new RangeError('IPv4 broadcast must be 4 bytes');
      attrs.push({ type: IFA_BROADCAST, value: Buffer.from(a.broadcast) });
    }
    if (a.label !== undefined) {
      // The kernel keeps labels in IFNAMSIZ (16) bytes including the NUL.
      if (Buffer.byteLength(a.label) > 15) throw new RangeError(`label ${JSON.stringify(a.label)} longer than 15 bytes`);
      attrs.push({ type: IFA_LABEL, value: cstring(a.label) });
    }
  }
  // As iproute2 does: flags that fit the u8 header field go there; otherwise all of them go in
  // IFA_FLAGS (which the kernel prefers when present) and the header field stays 0.
  const wide = flags > 0xff;
  if (wide) attrs.push({ type: IFA_FLAGS, value: u32(flags) });
  return encodeIfAddr({ family, prefixLen: a.prefixLen, flags: wide ? 0 : flags, scope: a.scope ?? RT_SCOPE_UNIVERSE, index: a.index }, attrs);
}

/** RTM_GETADDR dump payload: all addresses, or one family. */
export function encodeGetAddrs(family = 0): Buffer {
  return encodeIfAddr({ family, prefixLen: 0, flags: 0, scope: 0, index: 0 }, []);
}

/** Decodes an RTM_NEWADDR / RTM_DELADDR payload. Throws NetlinkDecodeError. */
export function decodeAddr(msg: NlMessage | Buffer): AddrInfo {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < IFADDRMSG_LEN) throw new NetlinkDecodeError(`ifaddrmsg: ${p.length} bytes, need ${IFADDRMSG_LEN}`);
  const family = p.readUInt8(0);
  const alen = family === AF_INET ? 4 : family === AF_INET6 ? 16 : -1;
  const a = attrMap(p.subarray(IFADDRMSG_LEN));
  const local = a.get(IFA_LOCAL);
  const addr = a.get(IFA_ADDRESS);
  const mine = local ?? addr;
  if (!mine) throw new NetlinkDecodeError('address message without IFA_LOCAL or IFA_ADDRESS');
  if (alen > 0 && mine.length !== alen) throw new NetlinkDecodeError(`address of ${mine.length} bytes in a family ${family} message`);
  const ifaFlags = a.get(IFA_FLAGS);
  const info: AddrInfo = {
    family,
    prefixLen: p.readUInt8(1),
    flags: ifaFlags ? readU32(ifaFlags, 'IFA_FLAGS') : p.readUInt8(2),
    scope: p.readUInt8(3),
    index: p.readUInt32LE(4),
    address: Uint8Array.from(mine),
    text: formatIp(mine),
  };
  if (local && addr && !local.equals(addr)) info.peer = Uint8Array.from(addr);
  const label = a.get(IFA_LABEL);
  if (label) info.label = readCString(label);
  const brd = a.get(IFA_BROADCAST);
  if (brd) info.broadcast = Uint8Array.from(brd);
  const ci = a.get(IFA_CACHEINFO);
  if (ci && ci.length >= 8) {
    // struct ifa_cacheinfo { u32 ifa_prefered; u32 ifa_valid; u32 cstamp; u32 tstamp; }
    info.preferredLft = ci.readUInt32LE(0);
    info.validLft = ci.readUInt32LE(4);
  }
  return info;
}
