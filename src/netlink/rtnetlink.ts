// rtnetlink client: links and addresses over a NETLINK_ROUTE NetlinkSocket, and a live stream of
// link and address changes (multicast groups RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR
// from linux/rtnetlink.h). The codecs are in route-link.ts and route-addr.ts.
import { NETLINK_ROUTE } from '../native/constants.ts';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE } from './message.ts';
import type { NlMessage } from './message.ts';
import { decodeAddr, encodeAddr, encodeGetAddrs, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from './route-addr.ts';
import type { AddrInfo, AddrSpec } from './route-addr.ts';
import { decodeLink, encodeGetLink, encodeGetLinks, encodeSetLinkUp, linkIsUp, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from './route-link.ts';
import type { Link } from './route-link.ts';
import { NetlinkSocket } from './socket.ts';
import type { NetlinkRequester, NetlinkSocketOptions } from './socket.ts';

export * from './route-link.ts';
export * from './route-addr.ts';

export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

/** Request/reply operations on links and addresses. */
export class Rtnetlink {
  readonly sock: NetlinkRequester;

  constructor(sock: NetlinkRequester) {
    this.sock = sock;
  }

  static open(opts: Omit<NetlinkSocketOptions, 'groups'> = {}): Rtnetlink {
    return new Rtnetlink(NetlinkSocket.open(NETLINK_ROUTE, opts));
  }

  close(): void {
    this.sock.close();
  }

  /** Every link (RTM_GETLINK dump). */
  async links(): Promise<Link[]> {
    const msgs = await this.sock.request(RTM_GETLINK, NLM_F_DUMP, encodeGetLinks());
    return msgs.filter((m) => m.type === RTM_NEWLINK).map((m) => decodeLink(m));
  }

  /** One link by index or name; rejects with NetlinkError code 'ENODEV' when absent. */
  async link(which: number | string): Promise<Link> {
    const msgs = await this.sock.request(RTM_GETLINK, 0, encodeGetLink(which));
    const m = msgs.find((x) => x.type === RTM_NEWLINK);
    if (!m) throw new Error(`RTM_GETLINK ${which}: no RTM_NEWLINK in the reply`);
    return decodeLink(m);
  }

  /** `ip link set DEV up|down`. */
  async setLinkUp(index: number, up: boolean): Promise<void> {
    await this.sock.request(RTM_NEWLINK, 0, encodeSetLinkUp(index, up));
  }

  /** Addresses, optionally of one family (AF_INET / AF_INET6) and/or one interface. */
  async addresses(filter: { family?: number; index?: number } = {}): Promise<AddrInfo[]> {
    const msgs = await this.sock.request(RTM_GETADDR, NLM_F_DUMP, encodeGetAddrs(filter.family ?? 0));
    const out = msgs.filter((m) => m.type === RTM_NEWADDR).map((m) => decodeAddr(m));
    return out.filter((a) => (filter.family === undefined || a.family === filter.family) && (filter.index === undefined || a.index === filter.index));
  }

  /**
   * Adds an address. By default fails with 'EEXIST' when it is already there (NLM_F_EXCL);
   * `replace: true` updates it instead (NLM_F_REPLACE), as `ip addr replace` does.
   */
  async addAddress(a: AddrSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const flags = NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    await this.sock.request(RTM_NEWADDR, flags, encodeAddr(a));
  }

  /** Deletes an address; rejects with 'EADDRNOTAVAIL' when it is not there. */
  async deleteAddress(a: AddrSpec): Promise<void> {
    await this.sock.request(RTM_DELADDR, 0, encodeAddr(a));
  }
}

// ---------------------------------------------------------------- events

export type RtEvent =
  /** Any RTM_NEWLINK (a change of flags, MTU, name, ...). */
  | { type: 'link'; link: Link }
  /** The link became usable (IFF_UP and IFF_RUNNING), or appeared that way. */
  | { type: 'link-up'; link: Link }
  /** The link stopped being usable. */
  | { type: 'link-down'; link: Link }
  /** The link was deleted (RTM_DELLINK). */
  | { type: 'link-removed'; link: Link }
  | { type: 'address-added'; address: AddrInfo }
  | { type: 'address-removed'; address: AddrInfo }
  /** Events were lost (receive buffer overrun): re-read state with a dump. */
  | { type: 'overrun'; error: Error }
  /** A notification that did not decode (counted, never thrown). */
  | { type: 'bad-message'; error: Error; msgType: number };

/**
 * Turns one notification into events. `upState` remembers each link's last up/down so a
 * flags change becomes exactly one link-up or link-down; pure apart from that map.
 */
export function rtEventsOf(m: NlMessage, upState: Map<number, boolean>): RtEvent[] {
  try {
    switch (m.type) {
      case RTM_NEWLINK: {
        const link = decodeLink(m);
        const up = linkIsUp(link);
        const before = upState.get(link.index);
        upState.set(link.index, up);
        const out: RtEvent[] = [{ type: 'link', link }];
        if (before !== up) out.push({ type: up ? 'link-up' : 'link-down', link });
        return out;
      }
      case RTM_DELLINK: {
        const link = decodeLink(m);
        upState.delete(link.index);
        return [{ type: 'link-removed', link }];
      }
      case RTM_NEWADDR:
        return [{ type: 'address-added', address: decodeAddr(m) }];
      case RTM_DELADDR:
        return [{ type: 'address-removed', address: decodeAddr(m) }];
      default:
        return [];
    }
  } catch (e) {
    return [{ type: 'bad-message', error: e as Error, msgType: m.type }];
  }
}

export interface RtMonitorOptions {
  netns?: string;
  /** Groups to follow; default link, IPv4 and IPv6 addresses. */
  groups?: number[];
}

/**
 * A live stream of link and address changes on its own socket (notifications are never mixed with
 * request replies). start() subscribes first and then dumps links to seed the up/down state, so no
 * change between the two is missed; the seeding does not emit link-up/link-down.
 */
export class RtMonitor {
  readonly sock: NetlinkSocket;
  #upState = new Map<number, boolean>();
  #listeners = new Set<(e: RtEvent) => void>();

  private constructor(sock: NetlinkSocket) {
    this.sock = sock;
  }

  static async start(opts: RtMonitorOptions = {}): Promise<RtMonitor> {
    const groups = opts.groups ?? [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR];
    const sock = NetlinkSocket.open(NETLINK_ROUTE, { netns: opts.netns, groups });
    const mon = new RtMonitor(sock);
    sock.onMulticast((m) => mon.#handle(m));
    sock.onOverrun((error) => mon.#emit({ type: 'overrun', error }));
    try {
      const links = await new Rtnetlink(sock).links();
      for (const l of links) if (!mon.#upState.has(l.index)) mon.#upState.set(l.index, linkIsUp(l));
    } catch (e) {
      sock.close();
      throw e;
    }
    return mon;
  }

  /** Last known up state of a link (IFF_UP and IFF_RUNNING), undefined when unknown. */
  isUp(index: number): boolean | undefined {
    return this.#upState.get(index);
  }

  on(cb: (e: RtEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  close(): void {
    this.sock.close();
    this.#listeners.clear();
  }

  #handle(m: NlMessage): void {
    for (const e of rtEventsOf(m, this.#upState)) this.#emit(e);
  }

  #emit(e: RtEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }
}
