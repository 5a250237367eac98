// The VRRP wire as the instance runner sees it: one method to send an advert, one callback for
// what arrives. The socket adapter (socket-transport.ts) implements it over raw IP protocol 112
// sockets; tests and the simulator implement it with an in-process fake segment.

import type { IpBytes, IpFamily } from './addr.ts';
import type { RxMeta } from './packet.ts';

/** Where one instance sends and listens (RFC 5798 §5.1: multicast group, or unicast peers). */
export interface TransportBinding {
  /** Unique per instance (its name). */
  key: string;
  family: IpFamily;
  vrid: number;
  ifname: string;
  ifindex: number;
  /** Source address of our adverts (mcast_src_ip / unicast_src_ip / interface primary). */
  src: IpBytes;
  /** Multicast group (224.0.0.18 / ff02::12 or mcast_dst_ip); ignored when `unicastPeers` is set. */
  group: IpBytes;
  /** unicast_peer: send to each of these instead of the group. */
  unicastPeers?: readonly IpBytes[];
  /** unicast_ttl (default 255, RFC 5798 §5.1.1.3). */
  unicastTtl?: number;
}

/** A received VRRP payload (IP header removed) with what the IP layer told us about it. */
export interface RxPacket {
  payload: Uint8Array;
  meta: RxMeta;
  ifindex: number;
  /**
   * How long before its handling the kernel received the packet, ms (SO_TIMESTAMPNS), when the
   * transport knows. The master-down timer then restarts from the advert's arrival on the wire,
   * as keepalived's (which reads the clock right after its recvmsg) nearly does, not from when a
   * busier event loop got to it.
   */
  ageMs?: number;
}

export type PacketHandler = (p: RxPacket) => void;

export interface TransportStats {
  /** Packets not handed to any instance, by reason (`vrid_unknown`, `short`, ...). */
  drops: Record<string, number>;
  sent: number;
  sendErrors: number;
}

export interface VrrpTransport {
  /** Starts listening for this instance's VRID (and joins its group). */
  attach(b: TransportBinding, onPacket: PacketHandler): void;
  /** Stops delivering to this instance; sockets no longer used are closed. */
  detach(key: string): void;
  /**
   * Sends one VRRP payload from the instance's source: to `dst` (its group or a unicast peer).
   * Returns an error text instead of throwing (a down link gives ENETDOWN; adverts are
   * periodic, so the next one is the retry).
   */
  send(key: string, payload: Uint8Array, dst: IpBytes): string | undefined;
  stats(): TransportStats;
  close(): void;
}
