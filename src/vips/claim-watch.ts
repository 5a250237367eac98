// Watches the wire for another host announcing one of our VIPs: a gratuitous ARP (or any ARP
// whose sender IP is the VIP) or an unsolicited neighbour advertisement whose target is the VIP,
// from a MAC that is not ours. Used by the graceful handover (beyond keepalived): the stopping
// master keeps its VIPs until the new master's announcement has reached the segment, so clients
// that still send to our MAC are answered until their caches move (fsm.ts 'vips_claimed').
//
// One AF_PACKET socket per interface and ethertype, bound so the kernel only hands us ARP or
// IPv6 frames of that interface; opened when a handover starts and closed when it ends. Once it
// listens, probes (claim-probe.ts) ask whether a host already holds each VIP: a new master whose
// GARP went out before the socket was bound answers a probe instead. The new master may also still
// be adding the VIP (its advert comes first), or send no GARP at all (garp_master_repeat 0), so the
// probe is repeated a few times within the grace time (PROBE_AT_MS).

import { AF_PACKET, ETH_P_ARP, ETH_P_IPV6, IPPROTO_ICMPV6, PACKET_OUTGOING, SOCK_RAW } from '../native/constants.ts';
import { sockaddrLl } from '../native/sockaddr.ts';
import { RawSocket, type RawMessage } from '../native/socket.ts';
import { ETH_HLEN, FrameError, IPV6_HLEN } from './frames.ts';
import { decodeArp } from './garp.ts';
import type { VipSpec } from './manager.ts';
import { decodeNa } from './ndisc.ts';
import { encodeArpProbe, encodeDadNs } from './claim-probe.ts';

/** When the probes go, ms after the watch starts; all well within fsm.ts CLAIM_GRACE_MS (200). */
export const PROBE_AT_MS: readonly number[] = [0, 5, 20, 50, 100];

/**
 * True when `frame` (a whole Ethernet frame) announces one of `vips` from a MAC other than
 * `ownMac`: an ARP whose sender IP is the VIP, or a neighbour advertisement whose target is. Pure,
 * for tests; malformed frames (the decoders' FrameError) are simply not claims.
 */
export function isClaim(frame: Uint8Array, vips: readonly VipSpec[], ownMac: Uint8Array | undefined): boolean {
  if (frame.length < ETH_HLEN) return false;
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  if (ownMac && ownMac.length === 6 && b.subarray(6, 12).equals(ownMac)) return false;
  try {
    const ethertype = b.readUInt16BE(12);
    if (ethertype === ETH_P_ARP) {
      const sender = Buffer.from(decodeArp(b.subarray(ETH_HLEN)).senderIp);
      return vips.some((v) => v.family === 4 && sender.equals(v.address));
    }
    if (ethertype === ETH_P_IPV6) {
      if (b.length < ETH_HLEN + IPV6_HLEN || b[ETH_HLEN + 6] !== IPPROTO_ICMPV6) return false;
      const target = Buffer.from(decodeNa(b.subarray(ETH_HLEN + IPV6_HLEN)).target);
      return vips.some((v) => v.family === 6 && target.equals(v.address));
    }
  } catch (e) {
    if (e instanceof FrameError) return false;
    throw e;
  }
  return false;
}

export interface ClaimWatcherOptions {
  /**
   * Our interface MAC by index: frames from it are our own, and probes are sent from it. Undefined
   * for an interface whose MAC other routers share (a VMAC): no own-frame test, and no probe (its
   * answer would go to that shared MAC).
   */
  macOf(ifindex: number): Uint8Array | undefined;
  /** Send the probes (default true). */
  probe?: boolean;
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
    const timers: ReturnType<typeof setTimeout>[] = [];
    let done = false;
    const cancel = (): void => {
      done = true;
      for (const t of timers.splice(0)) clearTimeout(t);
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
      if (this.#opts.probe === false) continue;
      const mine = vips.filter((v) => v.ifindex === ifindex && (v.family === 4) === (ethertype === ETH_P_ARP));
      for (const at of PROBE_AT_MS) {
        if (at === 0) this.#probe(s, ifindex, mine);
        else {
          const t = setTimeout(() => done || this.#probe(s, ifindex, mine), at);
          t.unref();
          timers.push(t);
        }
      }
    }
    return cancel;
  }

  /** Sends one probe per VIP through the bound socket; a failure only costs the grace time. */
  #probe(s: RawSocket, ifindex: number, vips: readonly VipSpec[]): void {
    const mac = this.#opts.macOf(ifindex);
    if (!mac || mac.length !== 6) return;
    for (const v of vips) {
      try {
        s.send(v.family === 4 ? encodeArpProbe(mac, v.address) : encodeDadNs(mac, v.address));
      } catch (e) {
        this.#opts.onError?.(e as Error);
      }
    }
  }
}
