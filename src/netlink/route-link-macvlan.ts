// rtnetlink: creating and deleting a macvlan link (the VRRP virtual MAC interface, `use_vmac`).
// Pure codec. RTM_NEWLINK with IFLA_ADDRESS, IFLA_LINK (the lower device), IFLA_IFNAME and
// IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE u32 } } from
// linux/if_link.h; byte for byte what `ip link add link DEV name N address MAC type macvlan mode
// private` sends (golden test/golden/netlink/ip-link-add-macvlan.hex; iproute2 does not set
// NLA_F_NESTED on these nests, and the kernel accepts either).
import { cstring, decodeAttrs, NetlinkDecodeError, readU32, u32 } from './message.ts';
import type { NlMessage } from './message.ts';
import { encodeIfInfo, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO } from './route-link.ts';

export const IFLA_INFO_DATA = 2;
export const IFLA_MACVLAN_MODE = 1;

// linux/if_link.h enum macvlan_mode
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;

export interface MacvlanSpec {
  name: string;
  /** Lower (base) interface index. */
  link: number;
  mac: Uint8Array;
  /** MACVLAN_MODE_*; default private (keepalived's: VMACs must not talk to each other). */
  mode?: number;
}

/** RTM_NEWLINK payload creating the macvlan (send with NLM_F_CREATE | NLM_F_EXCL). */
export function encodeNewMacvlan(s: MacvlanSpec): Buffer {
  if (s.name.length === 0 || Buffer.byteLength(s.name) > 15 || /[\s/]/.test(s.name)) throw new RangeError(`bad interface name ${JSON.stringify(s.name)}`);
  if (s.mac.length !== 6) throw new RangeError(`MAC of ${s.mac.length} bytes`);
  if (!Number.isInteger(s.link) || s.link <= 0) throw new RangeError(`lower interface index ${s.link} must be positive`);
  return encodeIfInfo({}, [
    { type: IFLA_ADDRESS, value: Buffer.from(s.mac) },
    { type: IFLA_LINK, value: u32(s.link) },
    { type: IFLA_IFNAME, value: cstring(s.name) },
    {
      type: IFLA_LINKINFO,
      nestedFlag: false,
      value: [
        // iproute2 sends the kind without its NUL (the kernel compares with nla_strcmp).
        { type: IFLA_INFO_KIND, value: Buffer.from('macvlan') },
        { type: IFLA_INFO_DATA, nestedFlag: false, value: [{ type: IFLA_MACVLAN_MODE, value: u32(s.mode ?? MACVLAN_MODE_PRIVATE) }] },
      ],
    },
  ]);
}

/** RTM_DELLINK payload for one interface index. */
export function encodeDelLink(index: number): Buffer {
  if (!Number.isInteger(index) || index <= 0) throw new RangeError(`interface index ${index} must be positive`);
  return encodeIfInfo({ index });
}

/** The lower device (IFLA_LINK) and macvlan mode of an RTM_NEWLINK, when present. */
export function decodeMacvlanInfo(msg: NlMessage | Buffer): { link?: number; mode?: number } {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg: ${p.length} bytes, need ${IFINFOMSG_LEN}`);
  const out: { link?: number; mode?: number } = {};
  for (const a of decodeAttrs(p.subarray(IFINFOMSG_LEN))) {
    if (a.type === IFLA_LINK) out.link = readU32(a.value, 'IFLA_LINK');
    if (a.type !== IFLA_LINKINFO) continue;
    for (const i of decodeAttrs(a.value)) {
      if (i.type !== IFLA_INFO_DATA) continue;
      for (const d of decodeAttrs(i.value)) if (d.type === IFLA_MACVLAN_MODE) out.mode = readU32(d.value, 'IFLA_MACVLAN_MODE');
    }
  }
  return out;
}
