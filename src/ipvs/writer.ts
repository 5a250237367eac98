// A single-buffer netlink attribute writer for the hot path (service and destination messages,
// thousands per reconcile): no intermediate Buffer per attribute, nests patched in place. Same
// wire format as encodeAttrs in src/netlink/message.ts ({u16 len, u16 type} padded to 4 bytes,
// NLA_F_NESTED on nests, zero padding); the golden-byte tests hold both to it.
import { NLA_F_NESTED, NLA_HDRLEN, align4 } from '../netlink/message.ts';

export class AttrWriter {
  #buf: Buffer;
  #off = 0;

  constructor(initial = 256) {
    this.#buf = Buffer.alloc(initial);
  }

  #ensure(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(this.#buf.length * 2, this.#off + n));
    this.#buf.copy(next, 0, 0, this.#off);
    this.#buf = next;
  }

  /** Raw bytes (the genl header). */
  raw(bytes: ArrayLike<number>): this {
    this.#ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.#buf[this.#off + i] = bytes[i];
    this.#off += align4(bytes.length);
    return this;
  }

  #hdr(type: number, valueLen: number): number {
    const len = NLA_HDRLEN + valueLen;
    this.#ensure(align4(len));
    this.#buf.writeUInt16LE(len, this.#off);
    this.#buf.writeUInt16LE(type, this.#off + 2);
    const at = this.#off + NLA_HDRLEN;
    this.#off += align4(len);
    return at;
  }

  u8(type: number, v: number): this {
    this.#buf.writeUInt8(v, this.#hdr(type, 1));
    return this;
  }
  u16(type: number, v: number): this {
    this.#buf.writeUInt16LE(v, this.#hdr(type, 2));
    return this;
  }
  be16(type: number, v: number): this {
    this.#buf.writeUInt16BE(v, this.#hdr(type, 2));
    return this;
  }
  u32(type: number, v: number): this {
    this.#buf.writeUInt32LE(v >>> 0, this.#hdr(type, 4));
    return this;
  }
  bytes(type: number, b: Uint8Array): this {
    const at = this.#hdr(type, b.length);
    this.#buf.set(b, at);
    return this;
  }
  /** NUL-terminated string. */
  cstr(type: number, s: string): this {
    const n = Buffer.byteLength(s);
    const at = this.#hdr(type, n + 1);
    this.#buf.write(s, at, 'utf8');
    return this;
  }
  /** A nested attribute whose body `fill` writes; its length is patched afterwards. */
  nest(type: number, fill: (w: this) => void): this {
    this.#ensure(NLA_HDRLEN);
    const start = this.#off;
    this.#off += NLA_HDRLEN;
    fill(this);
    const len = this.#off - start;
    if (len > 0xffff) throw new RangeError(`nested attribute type ${type} is ${len} bytes, over the 65535 limit`);
    this.#buf.writeUInt16LE(len, start);
    this.#buf.writeUInt16LE(type | NLA_F_NESTED, start + 2);
    return this;
  }

  /** The bytes written (a view of the writer's buffer: one writer per message). */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#off);
  }
}
