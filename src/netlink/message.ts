// Netlink wire format (RFC 3549 and linux/netlink.h): messages are a 16-byte nlmsghdr
// { u32 len, u16 type, u16 flags, u32 seq, u32 pid } followed by a payload, each message padded
// to 4 bytes; attributes are TLVs { u16 len, u16 type } padded to 4 bytes whose type carries two
// flag bits (NLA_F_NESTED 0x8000, NLA_F_NET_BYTEORDER 0x4000) that must be masked off on read.
// Everything here is pure: bytes in, values out; malformed input gives a NetlinkDecodeError.

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** In an NLMSG_ERROR ack: extended ack attributes follow (linux/netlink.h NLM_F_ACK_TLVS). */
export const NLM_F_ACK_TLVS = 0x200;
export const NLM_F_CAPPED = 0x100;

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

export class NetlinkDecodeError extends Error {
  readonly code = 'ERR_NETLINK_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkDecodeError';
  }
}

export const align4 = (n: number): number => (n + 3) & ~3;

export interface NlMsgHeader {
  length: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NlMessage extends NlMsgHeader {
  /** Payload after the 16-byte header (a view, not a copy). */
  payload: Buffer;
}

/** Builds one netlink message; `length` is computed. */
export function encodeMessage(h: Omit<NlMsgHeader, 'length'>, payload: Buffer): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const buf = Buffer.alloc(align4(len));
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(h.type, 4);
  buf.writeUInt16LE(h.flags, 6);
  buf.writeUInt32LE(h.seq >>> 0, 8);
  buf.writeUInt32LE(h.pid >>> 0, 12);
  payload.copy(buf, NLMSG_HDRLEN);
  return buf;
}

/** Splits a datagram into messages. Throws NetlinkDecodeError on a malformed header. */
export function decodeMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const length = buf.readUInt32LE(off);
    if (length < NLMSG_HDRLEN) throw new NetlinkDecodeError(`nlmsghdr length ${length} shorter than the header at offset ${off}`);
    if (off + length > buf.length) throw new NetlinkDecodeError(`nlmsghdr length ${length} runs past the datagram (${buf.length - off} bytes left)`);
    out.push({
      length,
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + length),
    });
    off += align4(length);
  }
  if (off < buf.length) {
    throw new NetlinkDecodeError(`${buf.length - off} trailing bytes after the last netlink message are shorter than a header`);
  }
  return out;
}

/** NLMSG_ERROR payload: s32 error (0 = ACK, else -errno) followed by the offending header. */
export interface NlErrorPayload {
  /** Positive errno, or 0 for an ACK. */
  errno: number;
  /** Extended ack message (NLMSGERR_ATTR_MSG), when the kernel sent one. */
  extMessage?: string;
  /** Extended ack: byte offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  extOffset?: number;
}

export function decodeError(msg: NlMessage): NlErrorPayload {
  if (msg.payload.length < 4) throw new NetlinkDecodeError('NLMSG_ERROR payload shorter than 4 bytes');
  const err = msg.payload.readInt32LE(0);
  const result: NlErrorPayload = { errno: err === 0 ? 0 : -err }; // never -0: ACKs compare equal to 0
  if (msg.flags & NLM_F_ACK_TLVS) {
    // The original request follows: its header only when NLM_F_CAPPED, else the whole message.
    if (msg.payload.length >= 4 + NLMSG_HDRLEN) {
      const origLen = msg.payload.readUInt32LE(4);
      const skip = msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : origLen;
      const tlvStart = 4 + align4(skip);
      if (tlvStart <= msg.payload.length) {
        try {
          const attrs = decodeAttrs(msg.payload.subarray(tlvStart));
          const m = attrs.find((a) => a.type === 1); // NLMSGERR_ATTR_MSG
          if (m) result.extMessage = readCString(m.value);
          const o = attrs.find((a) => a.type === 2); // NLMSGERR_ATTR_OFFS, u32
          if (o && o.value.length >= 4) result.extOffset = o.value.readUInt32LE(0);
        } catch {
          // Extended ack is best effort: the errno is what matters.
        }
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- attributes

export interface NlAttr {
  /** Type with the NESTED / NET_BYTEORDER flag bits masked off. */
  type: number;
  /** True when NLA_F_NESTED was set on the wire. */
  nested: boolean;
  value: Buffer;
}

/** Decodes a run of attributes. Unknown types are kept; the caller ignores what it does not know. */
export function decodeAttrs(buf: Buffer): NlAttr[] {
  const out: NlAttr[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute length ${len} shorter than its header at offset ${off}`);
    if (off + len > buf.length) throw new NetlinkDecodeError(`attribute type ${rawType & NLA_TYPE_MASK} length ${len} runs past its container (${buf.length - off} bytes left)`);
    out.push({ type: rawType & NLA_TYPE_MASK, nested: (rawType & NLA_F_NESTED) !== 0, value: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Attributes keyed by type (the last one wins, as the kernel's nla_parse does). */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const a of decodeAttrs(buf)) m.set(a.type, a.value);
  return m;
}

/** An attribute to encode: raw bytes, or a nested list (NLA_F_NESTED is set). */
export type AttrValue = Buffer | AttrSpec[];
export interface AttrSpec {
  type: number;
  value: AttrValue;
  /** Force NLA_F_NESTED on/off; defaults to true for nested lists. */
  nestedFlag?: boolean;
}

export function encodeAttrs(attrs: AttrSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) parts.push(encodeAttr(a));
  return Buffer.concat(parts);
}

export function encodeAttr(a: AttrSpec): Buffer {
  const isNest = Array.isArray(a.value);
  const body = isNest ? encodeAttrs(a.value as AttrSpec[]) : (a.value as Buffer);
  const len = NLA_HDRLEN + body.length;
  if (len > 0xffff) throw new RangeError(`attribute type ${a.type} is ${len} bytes, over the 65535 limit`);
  const buf = Buffer.alloc(align4(len));
  buf.writeUInt16LE(len, 0);
  const flag = (a.nestedFlag ?? isNest) ? NLA_F_NESTED : 0;
  buf.writeUInt16LE((a.type & NLA_TYPE_MASK) | flag, 2);
  body.copy(buf, NLA_HDRLEN);
  return buf;
}

// ---------------------------------------------------------------- scalar helpers (host order = LE on x86)

export const u8 = (v: number): Buffer => Buffer.from([v & 0xff]);
export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return b;
}
export function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}
export function s32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}
export function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v, 0);
  return b;
}
export function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function need(b: Buffer, n: number, what: string): void {
  if (b.length < n) throw new NetlinkDecodeError(`${what}: expected ${n} bytes, got ${b.length}`);
}
export function readU8(b: Buffer, what = 'u8'): number {
  need(b, 1, what);
  return b.readUInt8(0);
}
export function readU16(b: Buffer, what = 'u16'): number {
  need(b, 2, what);
  return b.readUInt16LE(0);
}
export function readBe16(b: Buffer, what = 'be16'): number {
  need(b, 2, what);
  return b.readUInt16BE(0);
}
export function readU32(b: Buffer, what = 'u32'): number {
  need(b, 4, what);
  return b.readUInt32LE(0);
}
export function readS32(b: Buffer, what = 's32'): number {
  need(b, 4, what);
  return b.readInt32LE(0);
}
/** u64 values may arrive unaligned (after a PAD attribute); read them byte-wise. */
export function readU64(b: Buffer, what = 'u64'): bigint {
  need(b, 8, what);
  return b.readBigUInt64LE(0);
}
export function readCString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}
