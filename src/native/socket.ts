// RawSocket: an event-emitting datagram socket of any domain/type/protocol (raw IP protocol 112
// for VRRP, AF_PACKET for gratuitous ARP / unsolicited NA), over the protocol-blind addon.
// Readiness comes from libuv; on each readable event we drain with recvmsg up to a budget and
// let the (level-triggered) poll call us again for the rest, so a flood cannot starve timers.
//
// Events: 'message' (RawMessage), 'error' (Error from a failed receive), 'close'.
import { EventEmitter } from 'node:events';
import { decodeRecvInfo } from './cmsg.ts';
import { AF_INET, AF_INET6, MSG_TRUNC, SO_BINDTODEVICE, SOL_SOCKET } from './constants.ts';
import { native, UV_READABLE } from './index.ts';
import type { PollHandle } from './index.ts';
import { inNetns } from './netns.ts';
import { decodeSockaddr } from './sockaddr.ts';
import type { Sockaddr, UnknownSockaddr } from './sockaddr.ts';
import { ifnameOpt, intOpt } from './sockopt.ts';

export interface RawMessage {
  /** The datagram (for raw IPv4 sockets this includes the IP header; IPv6 raw sockets do not). */
  data: Buffer;
  /** Decoded source address. */
  address: Sockaddr | UnknownSockaddr;
  /** Source IP bytes for AF_INET / AF_INET6 sockets. */
  src?: Uint8Array;
  /** IPv4 TTL (needs IP_RECVTTL). */
  ttl?: number;
  /** IPv6 hop limit (needs IPV6_RECVHOPLIMIT). */
  hopLimit?: number;
  /** Arrival interface (IP_PKTINFO / IPV6_RECVPKTINFO; for AF_PACKET from sockaddr_ll). */
  ifindex?: number;
  /** Destination IP (from packet info). */
  dst?: Uint8Array;
  /** The datagram was longer than the receive buffer and was cut. */
  truncated: boolean;
  /** Kernel receive time, CLOCK_REALTIME ms (needs SO_TIMESTAMPNS). */
  rxRealtimeMs?: number;
}

export interface RawSocketOptions {
  /** Create the socket inside this named network namespace. */
  netns?: string;
  /** Receive buffer per datagram, bytes (default 65535). */
  maxMessage?: number;
  /** Control buffer per datagram, bytes (default 256). */
  maxControl?: number;
  /** Datagrams handled per readable event (default 64). */
  budget?: number;
}

export class RawSocket extends EventEmitter {
  readonly fd: number;
  readonly domain: number;
  #poll: PollHandle | undefined;
  #closed = false;
  #maxMessage: number;
  #maxControl: number;
  #budget: number;
  #refed = true;

  private constructor(fd: number, domain: number, opts: RawSocketOptions) {
    super();
    this.fd = fd;
    this.domain = domain;
    this.#maxMessage = opts.maxMessage ?? 65535;
    this.#maxControl = opts.maxControl ?? 256;
    this.#budget = opts.budget ?? 64;
  }

  /** socket(domain, type, protocol), non-blocking and close-on-exec. Throws a SysError. */
  static open(domain: number, type: number, protocol: number, opts: RawSocketOptions = {}): RawSocket {
    const n = native();
    const fd = inNetns(opts.netns, () => n.socket(domain, type, protocol));
    const s = new RawSocket(fd, domain, opts);
    // Start reading only once someone listens for messages (a send-only socket needs no watcher).
    s.on('newListener', (ev: string) => {
      if (ev === 'message') queueMicrotask(() => s.#startReading());
    });
    return s;
  }

  get closed(): boolean {
    return this.#closed;
  }

  bind(sockaddr: Uint8Array): void {
    this.#assertOpen();
    native().bind(this.fd, sockaddr);
  }

  connect(sockaddr: Uint8Array): void {
    this.#assertOpen();
    native().connect(this.fd, sockaddr);
  }

  /** setsockopt; a number becomes a C int. */
  setOption(level: number, name: number, value: Uint8Array | number): void {
    this.#assertOpen();
    native().setsockopt(this.fd, level, name, typeof value === 'number' ? intOpt(value) : value);
  }

  getOption(level: number, name: number, maxLength = 4): Buffer {
    this.#assertOpen();
    return native().getsockopt(this.fd, level, name, maxLength);
  }

  /** SO_BINDTODEVICE: only traffic of this interface (needs CAP_NET_RAW). */
  bindToDevice(ifname: string): void {
    this.setOption(SOL_SOCKET, SO_BINDTODEVICE, ifnameOpt(ifname));
  }

  localAddress(): Sockaddr | UnknownSockaddr {
    this.#assertOpen();
    return decodeSockaddr(native().getsockname(this.fd));
  }

  /** sendto; returns bytes sent. Throws a SysError (EAGAIN when the send buffer is full). */
  send(data: Uint8Array, sockaddr: Uint8Array | null = null, flags = 0): number {
    this.#assertOpen();
    return native().sendto(this.fd, data, sockaddr, flags);
  }

  /** sendmsg with control data (e.g. cmsg.ts ipv6PktinfoCmsg to choose source and interface). */
  sendmsg(data: Uint8Array, sockaddr: Uint8Array | null, control: Uint8Array | null, flags = 0): number {
    this.#assertOpen();
    return native().sendmsg(this.fd, data, sockaddr, control, flags);
  }

  /** Whether an active reader keeps the process alive (default true). */
  ref(on = true): void {
    this.#refed = on;
    this.#poll?.ref(on);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poll?.stop();
    this.#poll = undefined;
    try {
      native().close(this.fd);
    } finally {
      this.emit('close');
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw Object.assign(new Error('socket is closed'), { code: 'ERR_SOCKET_CLOSED' });
  }

  #startReading(): void {
    if (this.#poll || this.#closed) return;
    this.#poll = native().poll(this.fd, true, false, (err, events) => {
      if (err) {
        this.emit('error', err);
        return;
      }
      if (events & UV_READABLE) this.#drain();
    });
    this.#poll.ref(this.#refed);
  }

  #drain(): void {
    const n = native();
    for (let i = 0; i < this.#budget && !this.#closed; i++) {
      let r;
      try {
        r = n.recvmsg(this.fd, this.#maxMessage, this.#maxControl, MSG_TRUNC);
      } catch (e) {
        this.emit('error', e);
        return;
      }
      if (r === null) return;
      this.emit('message', toMessage(r.data, r.size, r.addr, r.control, this.domain));
    }
  }
}

function toMessage(data: Buffer, size: number, addr: Buffer, control: Buffer, domain: number): RawMessage {
  let address: Sockaddr | UnknownSockaddr;
  try {
    address = decodeSockaddr(addr);
  } catch {
    address = { family: addr.length >= 2 ? addr.readUInt16LE(0) : 0, raw: addr };
  }
  const info = decodeRecvInfo(control);
  const msg: RawMessage = { data, address, truncated: size > data.length };
  if ((domain === AF_INET || domain === AF_INET6) && 'address' in address && (address.family === AF_INET || address.family === AF_INET6)) {
    msg.src = address.address;
  }
  if (info.ttl !== undefined) msg.ttl = info.ttl;
  if (info.hopLimit !== undefined) msg.hopLimit = info.hopLimit;
  if (info.ifindex !== undefined) msg.ifindex = info.ifindex;
  else if ('ifindex' in address) msg.ifindex = address.ifindex;
  if (info.dst !== undefined) msg.dst = info.dst;
  if (info.rxRealtimeMs !== undefined) msg.rxRealtimeMs = info.rxRealtimeMs;
  return msg;
}
