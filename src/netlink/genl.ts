// Generic netlink (linux/genetlink.h). Each message payload starts with struct genlmsghdr
// { u8 cmd; u8 version; u16 reserved } followed by the family's attributes (plus a family-specific
// fixed header of `hdrSize` bytes, which IPVS does not use). Families other than the controller get
// dynamic ids, resolved by name with CTRL_CMD_GETFAMILY sent to GENL_ID_CTRL.
import { attrMap, cstring, decodeAttrs, encodeAttrs, NetlinkDecodeError, readCString, readU16, readU32 } from './message.ts';
import type { AttrSpec, NlMessage } from './message.ts';
import type { NetlinkSocket } from './socket.ts';

export const GENL_HDRLEN = 4;
/** The controller family's fixed id (NLMSG_MIN_TYPE). */
export const GENL_ID_CTRL = 0x10;

export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;

export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;

export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

export interface GenlHeader {
  cmd: number;
  version: number;
}

export function encodeGenlHeader(h: GenlHeader): Buffer {
  const b = Buffer.alloc(GENL_HDRLEN);
  b.writeUInt8(h.cmd & 0xff, 0);
  b.writeUInt8(h.version & 0xff, 1);
  return b;
}

/** genlmsghdr + attributes: the payload of one generic netlink request. */
export function encodeGenl(cmd: number, version: number, attrs: AttrSpec[]): Buffer {
  return Buffer.concat([encodeGenlHeader({ cmd, version }), encodeAttrs(attrs)]);
}

export interface GenlMessage extends GenlHeader {
  /** Attribute bytes after the generic header (and after `hdrSize` family bytes). */
  attrs: Buffer;
}

/** Splits a generic netlink message payload. Throws NetlinkDecodeError when too short. */
export function decodeGenl(msg: NlMessage | Buffer, hdrSize = 0): GenlMessage {
  const p = Buffer.isBuffer(msg) ? msg : msg.payload;
  if (p.length < GENL_HDRLEN + hdrSize) throw new NetlinkDecodeError(`generic netlink payload of ${p.length} bytes is shorter than its ${GENL_HDRLEN + hdrSize}-byte header`);
  return { cmd: p.readUInt8(0), version: p.readUInt8(1), attrs: p.subarray(GENL_HDRLEN + hdrSize) };
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrSize: number;
  maxAttr: number;
  /** Multicast group name -> group id (for NetlinkSocket.addMembership). */
  groups: Map<string, number>;
}

/** The CTRL_CMD_GETFAMILY request for `name` (payload only; type GENL_ID_CTRL). */
export function encodeGetFamily(name: string): Buffer {
  // GENL_NAMSIZ is 16 bytes with the NUL; the kernel's policy rejects longer names with EINVAL.
  if (Buffer.byteLength(name) > 15) throw new RangeError(`generic netlink family name ${JSON.stringify(name)} longer than 15 bytes`);
  return encodeGenl(CTRL_CMD_GETFAMILY, 1, [{ type: CTRL_ATTR_FAMILY_NAME, value: cstring(name) }]);
}

/** Decodes a CTRL_CMD_NEWFAMILY reply. */
export function decodeFamily(msg: NlMessage | Buffer): GenlFamily {
  const g = decodeGenl(msg);
  const a = attrMap(g.attrs);
  const id = a.get(CTRL_ATTR_FAMILY_ID);
  const name = a.get(CTRL_ATTR_FAMILY_NAME);
  if (!id || !name) throw new NetlinkDecodeError('CTRL_CMD_NEWFAMILY reply without family id or name');
  const groups = new Map<string, number>();
  const grpAttr = a.get(CTRL_ATTR_MCAST_GROUPS);
  if (grpAttr) {
    // An array: each element is a nest (type = index) holding a name and an id.
    for (const el of decodeAttrs(grpAttr)) {
      const ga = attrMap(el.value);
      const gn = ga.get(CTRL_ATTR_MCAST_GRP_NAME);
      const gi = ga.get(CTRL_ATTR_MCAST_GRP_ID);
      if (gn && gi) groups.set(readCString(gn), readU32(gi, 'CTRL_ATTR_MCAST_GRP_ID'));
    }
  }
  const opt = (t: number) => {
    const v = a.get(t);
    return v ? readU32(v, `CTRL attribute ${t}`) : 0;
  };
  return {
    id: readU16(id, 'CTRL_ATTR_FAMILY_ID'),
    name: readCString(name),
    version: opt(CTRL_ATTR_VERSION),
    hdrSize: opt(CTRL_ATTR_HDRSIZE),
    maxAttr: opt(CTRL_ATTR_MAXATTR),
    groups,
  };
}

/**
 * Resolves a generic netlink family by name (e.g. 'IPVS'). The socket must be a NETLINK_GENERIC
 * one. Rejects with NetlinkError code 'ENOENT' when the kernel has no such family (module not loaded).
 */
export async function resolveFamily(sock: Pick<NetlinkSocket, 'request'>, name: string): Promise<GenlFamily> {
  const replies = await sock.request(GENL_ID_CTRL, 0, encodeGetFamily(name));
  const reply = replies.find((m) => m.type === GENL_ID_CTRL);
  if (!reply) throw new NetlinkDecodeError(`no CTRL_CMD_NEWFAMILY reply for family ${name}`);
  return decodeFamily(reply);
}
