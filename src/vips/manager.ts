// Virtual IP addresses on interfaces through rtnetlink (RTM_NEWADDR / RTM_DELADDR), never `ip`.
// Idempotent both ways, as a daemon that may restart or reload needs: adding an address that is
// already there (EEXIST) and deleting one that is gone (EADDRNOTAVAIL) are successes.
//
// Every VIP we add carries IFA_PROTO = KATS_ADDR_PROTO (linux/if_addr.h, kernel >= 6.1; older
// kernels ignore the attribute), so a later run can tell the VIPs a crashed run of ours left
// behind from addresses an administrator configured (cleanup.ts). `ip addr` shows it as
// `proto 112` (the VRRP protocol number, as a mnemonic).
//
// keepalived's VIP options (keepalived.conf(5) virtual_ipaddress): `dev`, `label` (IPv4 only),
// `scope`, `brd IP|+|-`; IPv6 VIPs are added with IFA_F_NODAD so they are usable at once (a
// tentative address cannot be a source and DAD would see the old master's copy during a
// make-before-break handover).

import { formatIp, parseIp, type IpBytes, type IpFamily } from '../vrrp/addr.ts';
import type { Rtnetlink } from '../netlink/rtnetlink.ts';
import { decodeAddr, encodeAddr, encodeGetAddrs, IFA_CACHEINFO, IFA_F_NODAD, IFA_PROTO, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, SCOPE_NAMES } from '../netlink/route-addr.ts';
import type { AddrInfo, AddrSpec } from '../netlink/route-addr.ts';
import { attrMap, encodeAttrs, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, u8 } from '../netlink/message.ts';
import { isNetlinkError } from '../netlink/errors.ts';
import type { Vip } from '../config/model.ts';

/** IFA_PROTO value marking addresses keepalived-ts added. */
export const KATS_ADDR_PROTO = 112;

/** A VIP resolved against the interfaces (ifindex known). */
export interface VipSpec {
  family: IpFamily;
  address: IpBytes;
  prefix: number;
  ifindex: number;
  ifname: string;
  label?: string;
  /** RT_SCOPE_* number. */
  scope: number;
  broadcast?: IpBytes;
  /** Text `ADDR/PREFIX dev IF` for log lines. */
  text: string;
}

/** Resolves one configured VIP; `ifindexOf` maps interface names to indexes. */
export function resolveVip(v: Vip, defaultDev: string | undefined, ifindexOf: (name: string) => number | undefined): VipSpec | string {
  const address = parseIp(v.address);
  if (!address) return `bad VIP address ${v.address}`;
  const dev = v.dev ?? defaultDev;
  if (!dev) return `VIP ${v.address}: no interface (dev) given`;
  const ifindex = ifindexOf(dev);
  if (ifindex === undefined) return `VIP ${v.address}: interface ${dev} does not exist`;
  const scope = v.scope === undefined ? 0 : (SCOPE_NAMES[v.scope] ?? (/^\d+$/.test(v.scope) ? Number(v.scope) : 0));
  let broadcast: IpBytes | undefined;
  if (v.family === 4 && v.brd !== undefined && v.brd !== '-') {
    broadcast = v.brd === '+' ? broadcastOf(address, v.prefix) : parseIp(v.brd);
  }
  return {
    family: v.family,
    address,
    prefix: v.prefix,
    ifindex,
    ifname: dev,
    label: v.family === 4 ? v.label : undefined,
    scope,
    broadcast,
    text: `${formatIp(address)}/${v.prefix} dev ${dev}`,
  };
}

/** `brd +`: the prefix's all-ones host part. */
export function broadcastOf(addr: IpBytes, prefix: number): IpBytes {
  const out = Uint8Array.from(addr);
  for (let bit = prefix; bit < 32; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}

export function specToAddr(v: VipSpec): AddrSpec {
  return {
    index: v.ifindex,
    address: v.address,
    prefixLen: v.prefix,
    label: v.label,
    scope: v.scope,
    broadcast: v.broadcast,
    flags: v.family === 6 ? IFA_F_NODAD : 0,
  };
}

/**
 * RTM_NEWADDR payload with our IFA_PROTO marker appended. An IPv6 /128 VIP is added deprecated
 * (IFA_CACHEINFO preferred 0, valid forever), as keepalived does by default for /128 VIPs, so the
 * kernel never picks it as the source of the host's own traffic (RFC 6724 rule 3) — otherwise,
 * the longest-match rule makes a /128 VIP the source towards its own subnet, and replies to it go
 * to whichever router holds the VIP.
 */
export function encodeVipAdd(v: VipSpec): Buffer {
  const attrs = [{ type: IFA_PROTO, value: u8(KATS_ADDR_PROTO) }];
  if (v.family === 6 && v.prefix === 128) {
    // struct ifa_cacheinfo { u32 ifa_prefered; u32 ifa_valid; u32 cstamp; u32 tstamp; }
    const ci = Buffer.alloc(16);
    ci.writeUInt32LE(0, 0);
    ci.writeUInt32LE(0xffffffff, 4);
    attrs.push({ type: IFA_CACHEINFO, value: ci });
  }
  return Buffer.concat([encodeAddr(specToAddr(v)), encodeAttrs(attrs)]);
}

/** The IFA_PROTO of a reported address (0 when absent). */
export function addrProtoOf(payload: Buffer): number {
  try {
    const p = attrMap(payload.subarray(8)).get(IFA_PROTO);
    return p && p.length >= 1 ? p[0] : 0;
  } catch {
    return 0;
  }
}

export interface VipResult {
  vip: VipSpec;
  /** undefined = done (including already there / already gone). */
  error?: string;
}

export class VipManager {
  readonly rt: Rtnetlink;

  constructor(rt: Rtnetlink) {
    this.rt = rt;
  }

  /** Adds every VIP (one netlink batch); EEXIST counts as success. */
  async add(vips: readonly VipSpec[]): Promise<VipResult[]> {
    if (vips.length === 0) return [];
    const res = await this.rt.sock.requestMany(vips.map((v) => ({ type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL, payload: encodeVipAdd(v) })));
    return res.map((r, i) => ({ vip: vips[i], error: r.ok || isNetlinkError(r.error, 'EEXIST') ? undefined : r.error.message }));
  }

  /** Deletes every VIP; EADDRNOTAVAIL (not there) and ENODEV (interface gone) count as success. */
  async remove(vips: readonly VipSpec[]): Promise<VipResult[]> {
    if (vips.length === 0) return [];
    const res = await this.rt.sock.requestMany(vips.map((v) => ({ type: RTM_DELADDR, flags: 0, payload: encodeAddr(specToAddr(v)) })));
    return res.map((r, i) => ({
      vip: vips[i],
      error: r.ok || isNetlinkError(r.error, 'EADDRNOTAVAIL') || isNetlinkError(r.error, 'ENODEV') ? undefined : r.error.message,
    }));
  }

  /** Addresses present now, with their IFA_PROTO. */
  async present(): Promise<(AddrInfo & { proto: number })[]> {
    const msgs = await this.rt.sock.request(RTM_GETADDR, NLM_F_DUMP, encodeGetAddrs(0));
    const out: (AddrInfo & { proto: number })[] = [];
    for (const m of msgs) {
      if (m.type !== RTM_NEWADDR) continue;
      try {
        out.push({ ...decodeAddr(m), proto: addrProtoOf(m.payload) });
      } catch {
        // an address we cannot decode is not one of ours
      }
    }
    return out;
  }
}
