// Watches the wire for another host announcing one of our VIPs: a gratuitous ARP (or any ARP
// whose sender IP is the VIP) or an unsolicited neighbour advertisement whose target is the VIP,
// from a MAC that is not ours. Used by the graceful handover (beyond keepalived): the stopping
// master keeps its VIPs until the new master's announcement has reached the segment, so clients
// that still send to our MAC are answered until their caches move (fsm.ts 'vips_claimed').
//
// One AF_PACKET socket per interface and ethertype, bound so the kernel only hands us ARP or
// IPv6 frames of that interface; opened when a handover starts and closed when it ends.

import { AF_PACKET, ETH_P_ARP, ETH_P_IPV6, PACKET_OUTGOING, SOCK_RAW } from '../native/constants.ts';
import { sockaddrLl } from '../native/sockaddr.ts';
import { RawSocket, type RawMessage } from '../native/socket.ts';
import { ETH_HLEN } from './frames.ts';
import { ARP_LEN } from './garp.ts';
import type { VipSpec } from './manager.ts';

const IPV6_HLEN = 40;
const NEXTHDR_ICMPV6 = 58;
const ND_NEIGHBOR_ADVERT = 136;
/** ICMPv6 NA fixed part: type, code, checksum, flags, target (RFC 4861 §4.4). */
const NA_FIXED = 24;

/**
 * True when `frame` (a whole Ethernet frame) announces one of `vips` from a MAC other than
 * `ownMac`. Pure, for tests; malformed frames are simply not claims.
 */
export function isClaim(frame: Uint8Array, vips: readonly VipSpec[], ownMac: Uint8Array | undefined): boolean {
  if (frame.length < ETH_HLEN) return false;
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  if (ownMac && ownMac.length === 6 && b.subarray(6, 12).equals(ownMac)) return false;
  const ethertype = b.readUInt16BE(12);
  if (ethertype === ETH_P_ARP) {
    if (b.length < ETH_HLEN + ARP_LEN) return false;
    const o = ETH_HLEN;
    // Ethernet/IPv4 ARP only: hardware type 1, protocol 0x0800, lengths 6 and 4.
    if (b.readUInt16BE(o) !== 1 || b.readUInt16BE(o + 2) !== 0x0800 || b[o + 4] !== 6 || b[o + 5] !== 4) return false;
    const sender = b.subarray(o + 14, o + 18);
    return vips.some((v) => v.family === 4 && sender.equals(v.address));
  }
  if (ethertype === ETH_P_IPV6) {
    const o = ETH_HLEN;
    if (b.length < o + IPV6_HLEN + NA_FIXED || b[o + 6] !== NEXTHDR_ICMPV6) return false;
    const icmp = o + IPV6_HLEN;
    if (b[icmp] !== ND_NEIGHBOR_ADVERT) return false;
    const target = b.subarray(icmp + 8, icmp + 24);
    return vips.some((v) => v.family === 6 && target.equals(v.address));
  }
  return false;
}

export interface ClaimWatcherOptions {
  /** Our interface MAC by index (frames from it are our own). */
  macOf(ifindex: number): Uint8Array | undefined;
  netns?: string;
  /** Where socket errors go (never thrown: a watch that cannot open falls back to the grace timer). */
  onError?(e: Error): void;
}

/** The ClaimPort of the daemon. */
export class ClaimWatcher {
  #opts: ClaimWatcherOptions;

  constructor(opts: ClaimWatcherOptions) {
    this.#opts = opts;
  }

  /** Calls `onClaim` (at most once) when another host announces one of `vips`; returns the cancel. */
  watch(vips: readonly VipSpec[], onClaim: () => void): () => void {
    const socks: RawSocket[] = [];
    let done = false;
    const cancel = (): void => {
      done = true;
      for (const s of socks.splice(0)) s.close();
    };
    const wanted = new Map<string, { ifindex: number; ethertype: number }>();
    for (const v of vips) {
      const ethertype = v.family === 4 ? ETH_P_ARP : ETH_P_IPV6;
      wanted.set(`${v.ifindex}/${ethertype}`, { ifindex: v.ifindex, ethertype });
    }
    for (const { ifindex, ethertype } of wanted.values()) {
      let s: RawSocket;
      try {
        s = RawSocket.open(AF_PACKET, SOCK_RAW, 0, { netns: this.#opts.netns, maxMessage: 256 });
      } catch (e) {
        this.#opts.onError?.(e as Error);
        continue;
      }
      try {
        s.bind(sockaddrLl({ protocol: ethertype, ifindex }));
      } catch (e) {
        s.close();
        this.#opts.onError?.(e as Error);
        continue;
      }
      s.ref(false);
      s.on('error', (e: Error) => this.#opts.onError?.(e));
      s.on('message', (m: RawMessage) => {
        if (done) return;
        if ('pkttype' in m.address && m.address.pkttype === PACKET_OUTGOING) return;
        if (!isClaim(m.data, vips, this.#opts.macOf(ifindex))) return;
        cancel();
        onClaim();
      });
      socks.push(s);
    }
    return cancel;
  }
}
