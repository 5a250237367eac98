// Unsolicited neighbour advertisement for an IPv6 VIP (RFC 4861 §4.4 format, §7.2.6 "a node
// MAY send up to MAX_NEIGHBOR_ADVERTISEMENT unsolicited Neighbor Advertisement messages to the
// all-nodes multicast address"; RFC 5798 §6.4.2 for VRRP). Built as keepalived builds it:
// Ethernet to 33:33:00:00:00:01 (RFC 2464 §7), IPv6 from the VIP to ff02::1 with hop limit 255
// (RFC 4861 §7.1.2 requires 255 at the receiver), ICMPv6 type 136 code 0 with the Override flag
// (and Router when the interface forwards), target = VIP, one Target Link-Layer Address option
// (type 2, length 1 unit of 8 bytes) carrying the interface MAC. Checksum per RFC 4443 §2.3 over
// the IPv6 pseudo-header. 86 bytes in all.
import { ETH_P_IPV6, IPPROTO_ICMPV6 } from '../native/constants.ts';
import { checkMac, ETH_HLEN, FrameError, IPV6_HLEN, ipv6MulticastMac, ipv6PseudoChecksum, writeEthernet, writeIpv6Header } from './frames.ts';
import type { FrameSender } from './frames.ts';

export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LL_ADDR = 2;
export const NA_FLAG_ROUTER = 0x80000000;
export const NA_FLAG_SOLICITED = 0x40000000;
export const NA_FLAG_OVERRIDE = 0x20000000;
export const NA_LEN = 24;
export const NA_OPT_LEN = 8;
export const NA_FRAME_LEN = ETH_HLEN + IPV6_HLEN + NA_LEN + NA_OPT_LEN;

export const ALL_NODES: Uint8Array = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

export interface UnsolicitedNaOptions {
  /** Set the Router flag (keepalived does when IPv6 forwarding is on for the interface). */
  router?: boolean;
}

/** The complete unsolicited NA frame for `vip` (16 bytes) announced from `mac` (6 bytes). */
export function encodeUnsolicitedNa(mac: Uint8Array, vip: Uint8Array, opts: UnsolicitedNaOptions = {}): Buffer {
  checkMac(mac, 'interface MAC');
  if (vip.length !== 16) throw new FrameError(`IPv6 VIP must be 16 bytes, got ${vip.length}`);
  const b = Buffer.alloc(NA_FRAME_LEN);
  writeEthernet(b, 0, ipv6MulticastMac(ALL_NODES), mac, ETH_P_IPV6);
  const icmpLen = NA_LEN + NA_OPT_LEN;
  writeIpv6Header(b, ETH_HLEN, { payloadLength: icmpLen, nextHeader: IPPROTO_ICMPV6, hopLimit: 255, src: vip, dst: ALL_NODES });
  const o = ETH_HLEN + IPV6_HLEN;
  b.writeUInt8(ND_NEIGHBOR_ADVERT, o);
  b.writeUInt8(0, o + 1); // code
  const flags = NA_FLAG_OVERRIDE | (opts.router ? NA_FLAG_ROUTER : 0);
  b.writeUInt32BE(flags >>> 0, o + 4);
  b.set(vip, o + 8); // target address
  b.writeUInt8(ND_OPT_TARGET_LL_ADDR, o + 24);
  b.writeUInt8(1, o + 25); // length in units of 8 octets
  b.set(mac, o + 26);
  const icmp = b.subarray(o, o + icmpLen);
  b.writeUInt16BE(ipv6PseudoChecksum(vip, ALL_NODES, IPPROTO_ICMPV6, icmp), o + 2);
  return b;
}

export interface NeighborAdvert {
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: Uint8Array;
  /** Target link-layer address option, when present. */
  targetMac?: Uint8Array;
}

/** Decodes an ICMPv6 neighbour advertisement (ICMPv6 bytes, no IPv6 header). Throws FrameError. */
export function decodeNa(icmp: Uint8Array): NeighborAdvert {
  if (icmp.length < NA_LEN) throw new FrameError(`neighbour advertisement of ${icmp.length} bytes, need ${NA_LEN}`);
  const v = Buffer.from(icmp.buffer, icmp.byteOffset, icmp.length);
  if (v[0] !== ND_NEIGHBOR_ADVERT) throw new FrameError(`ICMPv6 type ${v[0]} is not a neighbour advertisement`);
  const flags = v.readUInt32BE(4);
  const na: NeighborAdvert = {
    router: (flags & NA_FLAG_ROUTER) !== 0,
    solicited: (flags & NA_FLAG_SOLICITED) !== 0,
    override: (flags & NA_FLAG_OVERRIDE) !== 0,
    target: Uint8Array.from(v.subarray(8, 24)),
  };
  // Options: type, length in 8-byte units (0 is invalid, RFC 4861 §4.6).
  let off = NA_LEN;
  while (off + 2 <= v.length) {
    const type = v[off];
    const len = v[off + 1] * 8;
    if (len === 0 || off + len > v.length) throw new FrameError(`bad ND option length at offset ${off}`);
    if (type === ND_OPT_TARGET_LL_ADDR && len >= 8) na.targetMac = Uint8Array.from(v.subarray(off + 2, off + 8));
    off += len;
  }
  return na;
}

/** Sends one unsolicited NA for `vip` through `sender`. Throws a SysError. */
export function sendUnsolicitedNa(sender: FrameSender, mac: Uint8Array, vip: Uint8Array, opts: UnsolicitedNaOptions = {}): number {
  return sender.send(encodeUnsolicitedNa(mac, vip, opts));
}
