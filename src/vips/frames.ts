// Link-layer frames for VIP announcements: Ethernet II headers (IEEE 802.3 / linux/if_ether.h
// ETH_HLEN 14), the Internet checksum (RFC 1071) and the IPv6 header (RFC 8200 §3), plus a small
// sender that writes whole frames through an AF_PACKET SOCK_RAW socket bound to one interface
// (linux/if_packet.h), as keepalived does. Encoders are pure; only FrameSender touches the kernel.
import { AF_PACKET, ETH_ALEN, SOCK_RAW } from '../native/constants.ts';
import { sockaddrLl } from '../native/sockaddr.ts';
import { RawSocket } from '../native/socket.ts';

export const ETH_HLEN = 14;
export const IPV6_HLEN = 40;
export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export class FrameError extends Error {
  readonly code = 'ERR_FRAME';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export function checkMac(mac: Uint8Array, what = 'MAC'): void {
  if (mac.length !== ETH_ALEN) throw new FrameError(`${what} must be ${ETH_ALEN} bytes, got ${mac.length}`);
}

/** Writes an Ethernet II header (dst, src, ethertype) at `off`. */
export function writeEthernet(buf: Buffer, off: number, dst: Uint8Array, src: Uint8Array, ethertype: number): void {
  checkMac(dst, 'destination MAC');
  checkMac(src, 'source MAC');
  buf.set(dst, off);
  buf.set(src, off + 6);
  buf.writeUInt16BE(ethertype, off + 12);
}

/** RFC 2464 §7: IPv6 multicast to Ethernet, 33:33 followed by the last 4 bytes of the group. */
export function ipv6MulticastMac(group: Uint8Array): Uint8Array {
  if (group.length !== 16 || group[0] !== 0xff) throw new FrameError('not an IPv6 multicast address');
  return Uint8Array.of(0x33, 0x33, group[12], group[13], group[14], group[15]);
}

/** RFC 1071 one's-complement sum of 16-bit words (odd tail padded with zero), folded, not inverted. */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Upper-layer checksum over the IPv6 pseudo-header (RFC 8200 §8.1: source, destination,
 * 32-bit upper-layer length, 3 zero bytes, next header) and the upper-layer packet, whose
 * checksum field must be zero when this is computed.
 */
export function ipv6PseudoChecksum(src: Uint8Array, dst: Uint8Array, nextHeader: number, upper: Uint8Array): number {
  const ph = Buffer.alloc(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  ph.writeUInt32BE(upper.length, 32);
  ph.writeUInt8(nextHeader, 39);
  const sum = onesSum(upper, onesSum(ph));
  return ~sum & 0xffff;
}

/** Writes a 40-byte IPv6 header (traffic class 0, flow label 0) at `off`. */
export function writeIpv6Header(buf: Buffer, off: number, h: { payloadLength: number; nextHeader: number; hopLimit: number; src: Uint8Array; dst: Uint8Array }): void {
  if (h.src.length !== 16 || h.dst.length !== 16) throw new FrameError('IPv6 addresses must be 16 bytes');
  buf.writeUInt32BE(0x60000000, off);
  buf.writeUInt16BE(h.payloadLength, off + 4);
  buf.writeUInt8(h.nextHeader, off + 6);
  buf.writeUInt8(h.hopLimit, off + 7);
  buf.set(h.src, off + 8);
  buf.set(h.dst, off + 24);
}

export interface FrameSenderOptions {
  /** Open the socket inside this named network namespace. */
  netns?: string;
}

/**
 * Sends complete Ethernet frames out of one interface. The socket is AF_PACKET/SOCK_RAW with
 * protocol 0, so it receives nothing (send-only); it is bound to the interface index.
 */
export class FrameSender {
  readonly ifindex: number;
  #sock: RawSocket;

  private constructor(sock: RawSocket, ifindex: number) {
    this.#sock = sock;
    this.ifindex = ifindex;
  }

  /** Throws a SysError (EPERM without CAP_NET_RAW, ENODEV for a bad index). */
  static open(ifindex: number, opts: FrameSenderOptions = {}): FrameSender {
    const sock = RawSocket.open(AF_PACKET, SOCK_RAW, 0, { netns: opts.netns });
    try {
      sock.bind(sockaddrLl({ protocol: 0, ifindex }));
    } catch (e) {
      sock.close();
      throw e;
    }
    return new FrameSender(sock, ifindex);
  }

  /** Sends one frame (Ethernet header included); returns bytes sent. Throws a SysError. */
  send(frame: Uint8Array): number {
    if (frame.length < ETH_HLEN) throw new FrameError(`frame of ${frame.length} bytes is shorter than an Ethernet header`);
    // sll_protocol becomes the skb's protocol (what taps and qdiscs see): the frame's own ethertype.
    const ethertype = (frame[12] << 8) | frame[13];
    return this.#sock.send(frame, sockaddrLl({ protocol: ethertype, ifindex: this.ifindex }));
  }

  close(): void {
    this.#sock.close();
  }
}
