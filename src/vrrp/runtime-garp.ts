// The GarpPort of the daemon: gratuitous ARPs (IPv4) and unsolicited neighbour advertisements
// (IPv6) through AF_PACKET frame senders (src/vips/garp.ts, ndisc.ts, frames.ts), one per
// interface, opened on first use. keepalived sends `garp_master_repeat` packets per VIP spaced by
// vrrp_garp_interval / vrrp_gna_interval (0 = back to back, its default), and logs each packet
// with -D (`Sending gratuitous ARP on eth0 for 10.0.0.1`).

import type { Logger } from '../obs/log.ts';
import type { Clock } from '../lib/clock.ts';
import { formatIp } from './addr.ts';
import type { GarpPort } from './instance.ts';
import type { VipSpec } from '../vips/manager.ts';
import { FrameSender } from '../vips/frames.ts';
import { encodeGarp } from '../vips/garp.ts';
import { encodeUnsolicitedNa } from '../vips/ndisc.ts';

export interface GarpSenderOptions {
  log: Logger;
  clock: Clock;
  /** Interface MAC by index (kept current by the runtime from rtnetlink). */
  macOf(ifindex: number): Uint8Array | undefined;
  /** vrrp_garp_interval (IPv4) and vrrp_gna_interval (IPv6), ms. */
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  netns?: string;
}

export class GarpSender implements GarpPort {
  #opts: GarpSenderOptions;
  #senders = new Map<number, FrameSender>();
  #lastError = new Map<string, number>();

  constructor(opts: GarpSenderOptions) {
    this.#opts = opts;
  }

  send(vips: readonly VipSpec[], repeat: number): void {
    for (let i = 0; i < repeat; i++) {
      for (const v of vips) {
        const gap = v.family === 4 ? (this.#opts.garpIntervalMs ?? 0) : (this.#opts.gnaIntervalMs ?? 0);
        if (i === 0 || gap <= 0) this.#one(v);
        else this.#opts.clock.setTimer(gap * i, () => this.#one(v));
      }
    }
  }

  /**
   * Opens the frame sockets of the VIPs' interfaces now and runs the frame encoders once, so a
   * takeover's first GARP leaves without a socket(2)/bind(2) and without compiling the encoders
   * (keepalived likewise opens its GARP channel at start-up).
   */
  prepare(vips: readonly VipSpec[]): void {
    for (const v of vips) {
      const mac = this.#opts.macOf(v.ifindex);
      if (!mac || mac.length !== 6) continue;
      try {
        this.#sender(v.ifindex);
        if (v.family === 4) encodeGarp(mac, v.address);
        else encodeUnsolicitedNa(mac, v.address);
      } catch {
        // reported by send() when it matters
      }
    }
  }

  close(): void {
    for (const s of this.#senders.values()) s.close();
    this.#senders.clear();
  }

  /** Forget an interface's sender (it was deleted or re-created). */
  forget(ifindex: number): void {
    this.#senders.get(ifindex)?.close();
    this.#senders.delete(ifindex);
  }

  #one(v: VipSpec): void {
    const log = this.#opts.log;
    const mac = this.#opts.macOf(v.ifindex);
    const what = v.family === 4 ? 'gratuitous ARP' : 'Unsolicited Neighbour Advert';
    if (!mac || mac.length !== 6) return this.#fail(v, `no MAC address known for ${v.ifname}`);
    try {
      this.#sender(v.ifindex).send(v.family === 4 ? encodeGarp(mac, v.address) : encodeUnsolicitedNa(mac, v.address));
      log.debug(`Sending ${what} on ${v.ifname} for ${formatIp(v.address)}`);
    } catch (e) {
      this.#fail(v, (e as Error).message);
    }
  }

  #sender(ifindex: number): FrameSender {
    let s = this.#senders.get(ifindex);
    if (!s) {
      s = FrameSender.open(ifindex, { netns: this.#opts.netns });
      this.#senders.set(ifindex, s);
    }
    return s;
  }

  #fail(v: VipSpec, why: string): void {
    const now = this.#opts.clock.now();
    const last = this.#lastError.get(v.text);
    if (last !== undefined && now - last < 1000) return;
    this.#lastError.set(v.text, now);
    this.#opts.log.warn(`cannot send gratuitous ARP/NA for ${v.text}: ${why}`);
  }
}
