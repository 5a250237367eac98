// VrrpTransport over raw IP protocol 112 sockets (RFC 5798 §5.1: IPv4 protocol / IPv6 next header
// 112, TTL / hop limit 255, group 224.0.0.18 / ff02::12). One socket per interface and family,
// shared by every instance on it, as keepalived shares one socket pair per interface:
//   - SO_BINDTODEVICE so each socket sees only its interface;
//   - IP_MULTICAST_ALL off, and the group joined on that interface only;
//   - IP_MULTICAST_LOOP off: we never hear our own adverts;
//   - TTL / hop limit 255 for multicast and unicast (RFC 5798 §5.1.1.3 / §5.1.2.2);
//   - the source chosen per send with IP_PKTINFO / IPV6_PKTINFO (mcast_src_ip, unicast_src_ip or
//     the interface's primary / link-local address), so the v3 checksum the runner computed over
//     the pseudo-header matches what goes out.
// Receive: IPv4 raw sockets deliver the IP header (TTL and addresses read from it); IPv6 ones do
// not (hop limit and destination come from IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO). Packets are
// demultiplexed by VRID; what matches no instance is counted by reason, never thrown.

import { formatIp, ipEquals, type IpBytes, type IpFamily } from './addr.ts';
import type { PacketHandler, RxPacket, TransportBinding, TransportStats, VrrpTransport } from './transport.ts';
import { RawSocket, type RawMessage } from '../native/socket.ts';
import { native } from '../native/index.ts';
import { ipMreqn, ipv6Mreq } from '../native/sockopt.ts';
import { ipPktinfoCmsg, ipv6PktinfoCmsg } from '../native/cmsg.ts';
import { sockaddrIn, sockaddrIn6 } from '../native/sockaddr.ts';
import {
  AF_INET,
  AF_INET6,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_ALL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PKTINFO,
  IP_TTL,
  IPPROTO_VRRP,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_MULTICAST_ALL,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  SO_TIMESTAMPNS,
  SOCK_RAW,
  SOL_IP,
  SOL_IPV6,
  SOL_SOCKET,
} from '../native/constants.ts';

const CLOCK_REALTIME = 0;
/**
 * Packet ages beyond this are not trusted: the realtime clock was stepped between the kernel's
 * stamp and our reading (NTP, an admin), and the packet is handled as arriving now.
 */
export const MAX_RX_AGE_MS = 250;

/** The packet's age from its kernel receive stamp, or undefined when there is none to trust. */
export function rxAgeMs(rxRealtimeMs: number | undefined, realtimeNowMs: number): number | undefined {
  if (rxRealtimeMs === undefined) return undefined;
  const age = realtimeNowMs - rxRealtimeMs;
  return age >= 0 && age <= MAX_RX_AGE_MS ? age : undefined;
}

interface Member {
  binding: TransportBinding;
  onPacket: PacketHandler;
  /**
   * The last send's sockaddr and pktinfo. A master sends to the same group from the same source
   * every advert_int, so they are built again only when one of them changes, not per advert
   * (two buffers per advert were a visible share of the daemon's CPU and garbage at 250 instances).
   */
  sent?: { ifindex: number; dst: IpBytes; src: IpBytes; sockaddr: Buffer; cmsg: Buffer };
}

interface IfSocket {
  sock: RawSocket;
  family: IpFamily;
  ifindex: number;
  members: Map<string, Member>;
  /** Joined groups (text) with their reference counts. */
  groups: Map<string, number>;
}

export interface SocketTransportOptions {
  /** Create the sockets in this named network namespace (tests; the daemon runs inside it). */
  netns?: string;
  /** Called for socket errors (receive failures); the transport keeps going. */
  onError?: (e: Error) => void;
}

export class SocketTransport implements VrrpTransport {
  #sockets = new Map<string, IfSocket>();
  #byKey = new Map<string, IfSocket>();
  #drops: Record<string, number> = {};
  #sent = 0;
  #sendErrors = 0;
  #opts: SocketTransportOptions;

  constructor(opts: SocketTransportOptions = {}) {
    this.#opts = opts;
  }

  attach(b: TransportBinding, onPacket: PacketHandler): void {
    if (this.#byKey.has(b.key)) this.detach(b.key);
    const id = `${b.family}/${b.ifindex}`;
    let s = this.#sockets.get(id);
    if (!s) {
      s = this.#open(b);
      this.#sockets.set(id, s);
    }
    const m: Member = { binding: b, onPacket };
    s.members.set(b.key, m);
    this.#byKey.set(b.key, s);
    // Built now, not at a backup's first advert: that one is its takeover (rehearsal.ts).
    addressing(m, b.unicastPeers?.[0] ?? b.group);
    if (!b.unicastPeers || b.unicastPeers.length === 0) this.#join(s, b.group);
  }

  detach(key: string): void {
    const s = this.#byKey.get(key);
    if (!s) return;
    const m = s.members.get(key);
    s.members.delete(key);
    this.#byKey.delete(key);
    if (m && (!m.binding.unicastPeers || m.binding.unicastPeers.length === 0)) this.#leave(s, m.binding.group);
    if (s.members.size === 0) {
      s.sock.close();
      this.#sockets.delete(`${s.family}/${s.ifindex}`);
    }
  }

  send(key: string, payload: Uint8Array, dst: IpBytes): string | undefined {
    const s = this.#byKey.get(key);
    const m = s?.members.get(key);
    if (!s || !m) return `no socket for ${key}`;
    const b = m.binding;
    try {
      const c = addressing(m, dst);
      s.sock.sendmsg(payload, c.sockaddr, c.cmsg);
      this.#sent++;
      return undefined;
    } catch (e) {
      this.#sendErrors++;
      return `cannot send advert to ${formatIp(dst)} on ${b.ifname}: ${(e as Error).message}`;
    }
  }

  stats(): TransportStats {
    return { drops: { ...this.#drops }, sent: this.#sent, sendErrors: this.#sendErrors };
  }

  close(): void {
    for (const s of this.#sockets.values()) s.sock.close();
    this.#sockets.clear();
    this.#byKey.clear();
  }

  // --- internals

  #open(b: TransportBinding): IfSocket {
    const v4 = b.family === 4;
    const sock = RawSocket.open(v4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_VRRP, { netns: this.#opts.netns, maxMessage: 2048 });
    try {
      sock.bindToDevice(b.ifname);
      // Kernel receive times (socket(7)): see RxPacket.ageMs.
      sock.setOption(SOL_SOCKET, SO_TIMESTAMPNS, 1);
      if (v4) {
        sock.setOption(SOL_IP, IP_MULTICAST_ALL, 0);
        sock.setOption(SOL_IP, IP_MULTICAST_LOOP, 0);
        sock.setOption(SOL_IP, IP_MULTICAST_TTL, 255);
        sock.setOption(SOL_IP, IP_TTL, b.unicastTtl ?? 255);
        sock.setOption(SOL_IP, IP_MULTICAST_IF, ipMreqn(new Uint8Array(4), b.ifindex));
        sock.setOption(SOL_IP, IP_PKTINFO, 1);
      } else {
        sock.setOption(SOL_IPV6, IPV6_MULTICAST_ALL, 0);
        sock.setOption(SOL_IPV6, IPV6_MULTICAST_LOOP, 0);
        sock.setOption(SOL_IPV6, IPV6_MULTICAST_HOPS, 255);
        sock.setOption(SOL_IPV6, IPV6_UNICAST_HOPS, b.unicastTtl ?? 255);
        sock.setOption(SOL_IPV6, IPV6_MULTICAST_IF, b.ifindex);
        sock.setOption(SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
        sock.setOption(SOL_IPV6, IPV6_RECVPKTINFO, 1);
      }
    } catch (e) {
      sock.close();
      throw e;
    }
    const s: IfSocket = { sock, family: b.family, ifindex: b.ifindex, members: new Map(), groups: new Map() };
    sock.on('message', (msg: RawMessage) => this.#onMessage(s, msg));
    sock.on('error', (e: Error) => this.#opts.onError?.(e));
    return s;
  }

  #join(s: IfSocket, group: IpBytes): void {
    const k = formatIp(group);
    const n = s.groups.get(k) ?? 0;
    if (n === 0) {
      if (s.family === 4) s.sock.setOption(SOL_IP, IP_ADD_MEMBERSHIP, ipMreqn(group, s.ifindex));
      else s.sock.setOption(SOL_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(group, s.ifindex));
    }
    s.groups.set(k, n + 1);
  }

  #leave(s: IfSocket, group: IpBytes): void {
    const k = formatIp(group);
    const n = s.groups.get(k) ?? 0;
    if (n <= 1) {
      s.groups.delete(k);
      try {
        if (s.family === 4) s.sock.setOption(SOL_IP, IP_DROP_MEMBERSHIP, ipMreqn(group, s.ifindex));
        else s.sock.setOption(SOL_IPV6, IPV6_LEAVE_GROUP, ipv6Mreq(group, s.ifindex));
      } catch {
        // the interface may be gone; closing the socket drops the membership anyway
      }
    } else s.groups.set(k, n - 1);
  }

  #drop(reason: string): void {
    this.#drops[reason] = (this.#drops[reason] ?? 0) + 1;
  }

  #onMessage(s: IfSocket, msg: RawMessage): void {
    const pkt = s.family === 4 ? parseV4(msg) : parseV6(msg);
    if (typeof pkt === 'string') return this.#drop(pkt);
    if (pkt.ifindex !== 0 && pkt.ifindex !== s.ifindex) return this.#drop('wrong_interface');
    pkt.ifindex = s.ifindex;
    const age = rxAgeMs(msg.rxRealtimeMs, msg.rxRealtimeMs === undefined ? 0 : native().clockGettime(CLOCK_REALTIME));
    if (age !== undefined) pkt.ageMs = age;
    const vrid = pkt.payload[1];
    // Our own advert looped back (a loopback interface reflects multicast whatever
    // IP_MULTICAST_LOOP says): not a peer.
    for (const m of s.members.values()) if (m.binding.vrid === vrid && ipEquals(m.binding.src, pkt.meta.src)) return this.#drop('own');
    let delivered = false;
    for (const m of s.members.values()) {
      if (m.binding.vrid !== vrid) continue;
      delivered = true;
      m.onPacket(pkt);
    }
    if (!delivered) this.#drop('vrid_unknown');
  }
}

/** The member's sockaddr and pktinfo for `dst`, rebuilt only when the destination or source changed. */
function addressing(m: Member, dst: IpBytes): NonNullable<Member['sent']> {
  const b = m.binding;
  const c = m.sent;
  if (c && c.ifindex === b.ifindex && ipEquals(c.dst, dst) && ipEquals(c.src, b.src)) return c;
  const sockaddr = b.family === 4 ? sockaddrIn(dst) : sockaddrIn6(dst, 0, b.ifindex);
  const cmsg = b.family === 4 ? ipPktinfoCmsg(b.ifindex, b.src) : ipv6PktinfoCmsg(b.src, b.ifindex);
  return (m.sent = { ifindex: b.ifindex, dst: Uint8Array.from(dst), src: Uint8Array.from(b.src), sockaddr, cmsg });
}

/** IPv4: the raw socket hands us the IP header (RFC 791 §3.1); TTL, addresses and length come from it. */
export function parseV4(msg: RawMessage): RxPacket | string {
  const d = msg.data;
  if (msg.truncated) return 'length';
  if (d.length < 20 || d[0] >> 4 !== 4) return 'short';
  const ihl = (d[0] & 0x0f) * 4;
  const total = (d[2] << 8) | d[3];
  if (ihl < 20 || d.length < ihl + 8) return 'short';
  const end = Math.min(d.length, total >= ihl ? total : d.length);
  const payload = Uint8Array.from(d.subarray(ihl, end));
  return {
    payload,
    meta: { family: 4, src: Uint8Array.from(d.subarray(12, 16)), dst: Uint8Array.from(d.subarray(16, 20)), ttl: d[8] },
    ifindex: msg.ifindex ?? 0,
  };
}

/** IPv6: no header; hop limit and destination arrive as ancillary data (RFC 3542 §6). */
export function parseV6(msg: RawMessage): RxPacket | string {
  if (msg.truncated) return 'length';
  if (msg.data.length < 8) return 'short';
  if (!msg.src || msg.src.length !== 16 || !msg.dst || msg.hopLimit === undefined) return 'no_ancillary';
  return {
    payload: Uint8Array.from(msg.data),
    meta: { family: 6, src: msg.src, dst: msg.dst, ttl: msg.hopLimit },
    ifindex: msg.ifindex ?? 0,
  };
}
