// use_vmac: a macvlan on the instance's interface carrying the VRRP virtual router MAC
// (RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6), created through
// rtnetlink (RTM_NEWLINK, src/netlink/route-link-macvlan.ts), never `ip link`.
//
// Why mode private (as keepalived): the peer router's adverts and GARPs leave its own VMAC with the
// same source MAC as ours. For a multicast/broadcast frame whose source MAC is one of our private
// macvlans, the kernel's macvlan receive path hands it to that macvlan only, so our VMAC socket
// hears the peer's adverts and the base interface does not see a "looped" copy.
//
// The sysctls are keepalived's (vrrp_if_config.c, set_interface_parameters), written through
// /proc/sys of the daemon's own network namespace:
//   VMAC:  arp_ignore=1 (answer ARP only for addresses on the VMAC: the VIPs), accept_local=1 (hear
//          the peer's adverts whose source is an address we also own in the subnet), rp_filter=0
//          (receive on an interface without addresses of its own);
//   base:  arp_ignore=1 and arp_filter=1 (the base must not answer ARP for the VIPs with its own
//          MAC: the client's ARP entry for a VIP has to be the virtual MAC), and beyond keepalived
//          arp_announce=2: replies from a VIP to a client on the base's subnet leave through the
//          base's older prefix route, and with arp_announce 0 the base's ARP request for the
//          client carries the VIP as sender, which rewrites the client's entry for the VIP to the
//          base's MAC (seen in test/netns/vrrp-vmac.test.ts). The base's previous values are
//          restored when its last VMAC goes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetlinkRequester } from '../netlink/socket.ts';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL } from '../netlink/message.ts';
import { isNetlinkError } from '../netlink/errors.ts';
import { decodeLink, encodeGetLinks, encodeSetLinkUp, formatMac, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../netlink/route-link.ts';
import type { Link } from '../netlink/route-link.ts';
import { decodeMacvlanInfo, encodeDelLink, encodeNewMacvlan } from '../netlink/route-link-macvlan.ts';

/** The VRRP virtual router MAC of a VRID (RFC 5798 §7.3). */
export function vrrpMac(vrid: number, family: 4 | 6): Uint8Array {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new RangeError(`VRID ${vrid} out of 1..255`);
  return Uint8Array.from([0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid]);
}

export interface VmacWanted {
  name: string;
  /** Base interface index (the macvlan's lower device). */
  baseIndex: number;
  baseName: string;
  mac: Uint8Array;
  /** Set keepalived's IPv4 sysctls (IPv4 instances). */
  ipv4: boolean;
}

export interface VmacReady {
  index: number;
  /** True when this call created it (false: a previous run's VMAC was reused). */
  created: boolean;
  /** Sysctls that could not be set (read-only /proc/sys): the VMAC works, ARP may not be clean. */
  warnings: string[];
}

/** What to do with an existing link of the wanted name (pure). */
export function vmacVerdict(existing: (Link & { lower?: number }) | undefined, w: VmacWanted): 'create' | 'reuse' | string {
  if (!existing) return 'create';
  if (existing.kind !== 'macvlan') return `interface ${w.name} exists and is not a macvlan (${existing.kind ?? 'no kind'})`;
  if (existing.lower !== undefined && existing.lower !== w.baseIndex) return `interface ${w.name} exists on another interface than ${w.baseName}`;
  if (!existing.mac || formatMac(existing.mac) !== formatMac(w.mac)) return `interface ${w.name} exists with MAC ${existing.mac ? formatMac(existing.mac) : 'none'}, not ${formatMac(w.mac)}`;
  return 'reuse';
}

const SYS = '/proc/sys/net/ipv4/conf';

async function readSysctl(ifname: string, key: string): Promise<string | undefined> {
  try {
    return (await readFile(join(SYS, ifname, key), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function writeSysctl(ifname: string, key: string, value: string): Promise<void> {
  await writeFile(join(SYS, ifname, key), value);
}

/** Creates, reuses and deletes VMACs; remembers what it changed so stop() can undo it. */
export class VmacManager {
  readonly sock: NetlinkRequester;
  /** VMACs made or adopted by us, by name. */
  readonly owned = new Map<string, { index: number; base: string }>();
  /** Base interfaces whose arp_ignore / arp_filter we changed, with the values before. */
  #baseSaved = new Map<string, { arpIgnore?: string; arpFilter?: string; arpAnnounce?: string }>();

  constructor(sock: NetlinkRequester) {
    this.sock = sock;
  }

  /** True when `ifindex` is one of our VMACs (its MAC is shared with the VRID's other routers). */
  isVmac(ifindex: number): boolean {
    for (const o of this.owned.values()) if (o.index === ifindex) return true;
    return false;
  }

  async #links(): Promise<Map<string, Link & { lower?: number }>> {
    const msgs = await this.sock.request(RTM_GETLINK, NLM_F_DUMP, encodeGetLinks());
    const out = new Map<string, Link & { lower?: number }>();
    for (const m of msgs) {
      if (m.type !== RTM_NEWLINK) continue;
      try {
        const l = decodeLink(m);
        out.set(l.name, { ...l, lower: decodeMacvlanInfo(m).link });
      } catch {
        // skip a link we cannot decode
      }
    }
    return out;
  }

  /**
   * Makes the VMAC exist, up, with keepalived's sysctls. Throws with a message naming the
   * interface when it cannot (a foreign interface of that name, netlink failure).
   */
  async ensure(w: VmacWanted): Promise<VmacReady> {
    const links = await this.#links();
    const verdict = vmacVerdict(links.get(w.name), w);
    if (verdict !== 'create' && verdict !== 'reuse') throw new Error(verdict);
    if (verdict === 'create') {
      try {
        await this.sock.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, encodeNewMacvlan({ name: w.name, link: w.baseIndex, mac: w.mac }));
      } catch (e) {
        if (!isNetlinkError(e, 'EEXIST')) throw new Error(`cannot create VMAC ${w.name} on ${w.baseName}: ${(e as Error).message}`);
      }
    }
    const index = (await this.#links()).get(w.name)?.index;
    if (index === undefined) throw new Error(`VMAC ${w.name} vanished after creation`);
    this.owned.set(w.name, { index, base: w.baseName });
    const warnings: string[] = [];
    if (w.ipv4) {
      // As keepalived does for an IPv4 VMAC: no IPv6 on it, so it sends nothing of its own (no
      // DAD / router solicitation with the virtual MAC, no duplicate EUI-64 link-local on the peers).
      await writeFile(`/proc/sys/net/ipv6/conf/${w.name}/disable_ipv6`, '1').catch(() => undefined);
      try {
        await this.#sysctls(w);
      } catch (e) {
        warnings.push(`cannot set the ARP sysctls of ${w.name} / ${w.baseName}: ${(e as Error).message}`);
      }
    }
    await this.sock.request(RTM_NEWLINK, 0, encodeSetLinkUp(index, true));
    return { index, created: verdict === 'create', warnings };
  }

  async #sysctls(w: VmacWanted): Promise<void> {
    await writeSysctl(w.name, 'arp_ignore', '1');
    await writeSysctl(w.name, 'accept_local', '1');
    await writeSysctl(w.name, 'rp_filter', '0');
    if (!this.#baseSaved.has(w.baseName)) {
      this.#baseSaved.set(w.baseName, {
        arpIgnore: await readSysctl(w.baseName, 'arp_ignore'),
        arpFilter: await readSysctl(w.baseName, 'arp_filter'),
        arpAnnounce: await readSysctl(w.baseName, 'arp_announce'),
      });
    }
    await writeSysctl(w.baseName, 'arp_ignore', '1');
    await writeSysctl(w.baseName, 'arp_filter', '1');
    await writeSysctl(w.baseName, 'arp_announce', '2');
  }

  /** Deletes one VMAC of ours (gone already is fine) and restores its base's sysctls when it was the last. */
  async remove(name: string): Promise<void> {
    const v = this.owned.get(name);
    if (!v) return;
    this.owned.delete(name);
    try {
      await this.sock.request(RTM_DELLINK, 0, encodeDelLink(v.index));
    } catch (e) {
      if (!isNetlinkError(e, 'ENODEV')) throw e;
    }
    if ([...this.owned.values()].some((o) => o.base === v.base)) return;
    const saved = this.#baseSaved.get(v.base);
    this.#baseSaved.delete(v.base);
    if (saved?.arpIgnore !== undefined) await writeSysctl(v.base, 'arp_ignore', saved.arpIgnore).catch(() => undefined);
    if (saved?.arpFilter !== undefined) await writeSysctl(v.base, 'arp_filter', saved.arpFilter).catch(() => undefined);
    if (saved?.arpAnnounce !== undefined) await writeSysctl(v.base, 'arp_announce', saved.arpAnnounce).catch(() => undefined);
  }

  /** Deletes every VMAC of ours; returns error lines. */
  async removeAll(): Promise<string[]> {
    const errors: string[] = [];
    for (const name of [...this.owned.keys()]) {
      try {
        await this.remove(name);
      } catch (e) {
        errors.push(`cannot delete VMAC ${name}: ${(e as Error).message}`);
      }
    }
    return errors;
  }
}

