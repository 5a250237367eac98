// rtnetlink links, pure codec. Layouts from linux/rtnetlink.h (struct ifinfomsg: u8 family, u8 pad,
// u16 type, s32 index, u32 flags, u32 change = 16 bytes) and linux/if_link.h (IFLA_* attributes,
// IFLA_LINKINFO nest). Interface flags from linux/if.h, operstate values from RFC 2863 as
// linux/if.h's IF_OPER_* enum numbers them.
import { attrMap, cstring, decodeAttrs, encodeAttrs, NetlinkDecodeError, readCString, readU32, readU8 } from './message.ts';
import type { AttrSpec, NlMessage } from './message.ts';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

export const IFINFOMSG_LEN = 16;

export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_EXT_MASK = 29;
export const IFLA_CARRIER = 33;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_INFO_KIND = 1;

// linux/if.h net_device_flags
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;

/** RFC 2863 ifOperStatus as linux/if.h IF_OPER_* numbers it, by name. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPERSTATES)[number];

export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* device type (1 = Ethernet, 772 = loopback). */
  type: number;
  /** IFF_* flags. */
  flags: number;
  operstate: OperState;
  /** Hardware address (6 bytes for Ethernet), or undefined for devices without one. */
  mac?: Uint8Array;
  broadcast?: Uint8Array;
  mtu?: number;
  /** IFLA_INFO_KIND ('veth', 'bridge', 'vlan', 'macvlan', ...) for virtual devices. */
  kind?: string;
  /** Index of the master device (bridge, bond, VRF). */
  master?: number;
  /** IFLA_CARRIER: 1 when the link has carrier. */
  carrier?: number;
}

/** keepalived's view of a usable interface: administratively up and running (carrier). */
export function linkIsUp(l: Pick<Link, 'flags'>): boolean {
  return (l.flags & IFF_UP) !== 0 && (l.flags & IFF_RUNNING) !== 0;
}

export interface IfInfoInit {
  family?: number;
  type?: number;
  index?: number;
  flags?: number;
  change?: number;
}

export function encodeIfInfo(h: IfInfoInit, attrs: AttrSpec[] = []): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(h.family ?? 0, 0);
  b.writeUInt16LE(h.type ?? 0, 2);
  b.writeInt32LE(h.index ?? 0, 4);
  b.writeUInt32LE((h.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((h.change ?? 0) >>> 0, 12);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}

/** RTM_GETLINK dump payload (all links). */
export function encodeGetLinks(): Buffer {
  return encodeIfInfo({});
}

/** RTM_GETLINK for one link, by index or by name (IFLA_IFNAME). */
export function encodeGetLink(which: number | string): Buffer {
  if (typeof which === 'number') return encodeIfInfo({ index: which });
  return encodeIfInfo({}, [{ type: IFLA_IFNAME, value: cstring(which) }]);
}

/** RTM_NEWLINK changing only IFF_UP (what `ip link set DEV up|down` sends). */
export function encodeSetLinkUp(index: number, up: boolean): Buffer {
  return encodeIfInfo({ index, flags: up ? IFF_UP : 0, change: IFF_UP });
}

/** Decodes an RTM_NEWLINK / RTM_DELLINK message payload. Throws NetlinkDecodeError. */
export function decodeLink(msg: NlMessage | Buffer): Link {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg: ${p.length} bytes, need ${IFINFOMSG_LEN}`);
  const a = attrMap(p.subarray(IFINFOMSG_LEN));
  const name = a.get(IFLA_IFNAME);
  const op = a.get(IFLA_OPERSTATE);
  const link: Link = {
    index: p.readInt32LE(4),
    name: name ? readCString(name) : '',
    type: p.readUInt16LE(2),
    flags: p.readUInt32LE(8),
    operstate: op ? (OPERSTATES[readU8(op, 'IFLA_OPERSTATE')] ?? 'unknown') : 'unknown',
  };
  const mac = a.get(IFLA_ADDRESS);
  if (mac && mac.length > 0) link.mac = Uint8Array.from(mac);
  const brd = a.get(IFLA_BROADCAST);
  if (brd && brd.length > 0) link.broadcast = Uint8Array.from(brd);
  const mtu = a.get(IFLA_MTU);
  if (mtu) link.mtu = readU32(mtu, 'IFLA_MTU');
  const master = a.get(IFLA_MASTER);
  if (master) link.master = readU32(master, 'IFLA_MASTER');
  const carrier = a.get(IFLA_CARRIER);
  if (carrier) link.carrier = readU8(carrier, 'IFLA_CARRIER');
  const info = a.get(IFLA_LINKINFO);
  if (info) {
    for (const ia of decodeAttrs(info)) if (ia.type === IFLA_INFO_KIND) link.kind = readCString(ia.value);
  }
  return link;
}

/** Text MAC, lower-case colon form as iproute2 prints it. */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new RangeError(`not a MAC address: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

