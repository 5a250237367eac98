// sockaddr encoders/decoders (pure). Layouts follow the Linux UAPI headers:
//   sockaddr_in   (linux/in.h):        u16 family, be16 port, 4-byte addr, 8 bytes zero        = 16
//   sockaddr_in6  (linux/in6.h):       u16 family, be16 port, be32 flowinfo, 16-byte addr,
//                                      u32 scope_id                                           = 28
//   sockaddr_nl   (linux/netlink.h):   u16 family, u16 pad, u32 pid, u32 groups                = 12
//   sockaddr_ll   (linux/if_packet.h): u16 family, be16 protocol, s32 ifindex, u16 hatype,
//                                      u8 pkttype, u8 halen, 8-byte addr                       = 20
// Family and the non-"be" fields are in host order (little-endian on x86_64 and arm64).
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET } from './constants.ts';

export class SockaddrError extends Error {
  readonly code = 'ERR_SOCKADDR';
  constructor(message: string) {
    super(message);
    this.name = 'SockaddrError';
  }
}

export interface SockaddrIn {
  family: typeof AF_INET;
  /** 4 bytes, network order. */
  address: Uint8Array;
  port: number;
}
export interface SockaddrIn6 {
  family: typeof AF_INET6;
  /** 16 bytes, network order. */
  address: Uint8Array;
  port: number;
  flowinfo: number;
  /** Interface index for link-local addresses (0 = none). */
  scopeId: number;
}
export interface SockaddrNl {
  family: typeof AF_NETLINK;
  pid: number;
  groups: number;
}
export interface SockaddrLl {
  family: typeof AF_PACKET;
  /** Ethertype, host value (encoded big-endian). */
  protocol: number;
  ifindex: number;
  hatype: number;
  pkttype: number;
  /** Hardware address (up to 8 bytes; 6 for Ethernet). */
  address: Uint8Array;
}
export type Sockaddr = SockaddrIn | SockaddrIn6 | SockaddrNl | SockaddrLl;
export interface UnknownSockaddr {
  family: number;
  raw: Buffer;
}

function checkLen(addr: Uint8Array, n: number, what: string): void {
  if (addr.length !== n) throw new SockaddrError(`${what}: address must be ${n} bytes, got ${addr.length}`);
}

export function sockaddrIn(address: Uint8Array, port = 0): Buffer {
  checkLen(address, 4, 'sockaddr_in');
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  b.set(address, 4);
  return b;
}

export function sockaddrIn6(address: Uint8Array, port = 0, scopeId = 0, flowinfo = 0): Buffer {
  checkLen(address, 16, 'sockaddr_in6');
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  b.writeUInt32BE(flowinfo >>> 0, 4);
  b.set(address, 8);
  b.writeUInt32LE(scopeId >>> 0, 24);
  return b;
}

export function sockaddrNl(pid = 0, groups = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(pid >>> 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  return b;
}

export interface SockaddrLlInit {
  /** Ethertype host value, e.g. ETH_P_ARP. */
  protocol: number;
  ifindex: number;
  hatype?: number;
  pkttype?: number;
  /** Destination hardware address for sendto on a SOCK_DGRAM packet socket. */
  address?: Uint8Array;
}

export function sockaddrLl(o: SockaddrLlInit): Buffer {
  const b = Buffer.alloc(20);
  const addr = o.address ?? new Uint8Array(0);
  if (addr.length > 8) throw new SockaddrError(`sockaddr_ll: hardware address longer than 8 bytes (${addr.length})`);
  b.writeUInt16LE(AF_PACKET, 0);
  b.writeUInt16BE(o.protocol & 0xffff, 2);
  b.writeInt32LE(o.ifindex, 4);
  b.writeUInt16LE(o.hatype ?? 0, 8);
  b.writeUInt8(o.pkttype ?? 0, 10);
  b.writeUInt8(addr.length, 11);
  b.set(addr, 12);
  return b;
}

/** Decodes any supported sockaddr; an empty or unknown one gives { family, raw }. */
export function decodeSockaddr(buf: Buffer): Sockaddr | UnknownSockaddr {
  if (buf.length < 2) return { family: 0, raw: buf };
  const family = buf.readUInt16LE(0);
  const need = (n: number, what: string) => {
    if (buf.length < n) throw new SockaddrError(`${what}: ${buf.length} bytes, need ${n}`);
  };
  switch (family) {
    case AF_INET:
      need(8, 'sockaddr_in');
      return { family, port: buf.readUInt16BE(2), address: Uint8Array.from(buf.subarray(4, 8)) };
    case AF_INET6:
      need(24, 'sockaddr_in6');
      return {
        family,
        port: buf.readUInt16BE(2),
        flowinfo: buf.readUInt32BE(4),
        address: Uint8Array.from(buf.subarray(8, 24)),
        scopeId: buf.length >= 28 ? buf.readUInt32LE(24) : 0,
      };
    case AF_NETLINK:
      need(12, 'sockaddr_nl');
      return { family, pid: buf.readUInt32LE(4), groups: buf.readUInt32LE(8) };
    case AF_PACKET: {
      need(12, 'sockaddr_ll');
      const halen = Math.min(buf.readUInt8(11), 8, buf.length - 12);
      return {
        family,
        protocol: buf.readUInt16BE(2),
        ifindex: buf.readInt32LE(4),
        hatype: buf.readUInt16LE(8),
        pkttype: buf.readUInt8(10),
        address: Uint8Array.from(buf.subarray(12, 12 + halen)),
      };
    }
    default:
      return { family, raw: buf };
  }
}
