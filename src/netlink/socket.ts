// NetlinkSocket: requests and replies over an AF_NETLINK socket (linux/netlink.h), built on the
// protocol-blind addon. Every request carries NLM_F_REQUEST|NLM_F_ACK and a fresh sequence number;
// replies are matched by seq. A request ends with an NLMSG_ERROR (errno 0 is the ACK), a dump
// (NLM_F_DUMP) with NLMSG_DONE. Multicast notifications are told apart by the sender address
// (nl_groups != 0) or NETLINK_PKTINFO's group, never by seq: the kernel copies the seq of the
// request that caused a notification into it.
//
// Requests issued in the same tick are written together on the next microtask (several messages
// per sendmsg, each acked on its own). Sending is synchronous with respect to the kernel for
// rtnetlink and generic netlink: the handler runs inside sendmsg and queues its replies before
// sendmsg returns. So after each write we drain the socket at once; a batch is cut into writes
// small enough that their acks fit the receive buffer (an ack the kernel cannot queue is
// dropped, and the request would never settle).
import { AF_NETLINK, MSG_PEEK, MSG_TRUNC, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_PKTINFO, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SOCK_RAW, SOL_NETLINK, SOL_SOCKET } from '../native/constants.ts';
import { decodeRecvInfo } from '../native/cmsg.ts';
import { isSysError, native, UV_READABLE } from '../native/index.ts';
import type { PollHandle } from '../native/index.ts';
import { inNetns } from '../native/netns.ts';
import { decodeSockaddr, sockaddrNl } from '../native/sockaddr.ts';
import { NetlinkError } from './errors.ts';
import { decodeError, decodeMessages, encodeMessage, NetlinkDecodeError, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from './message.ts';
import type { NlMessage } from './message.ts';

export { NetlinkError } from './errors.ts';

export interface NetlinkSocketOptions {
  /** Multicast groups to join at open (NETLINK_ADD_MEMBERSHIP, group numbers as in the headers). */
  groups?: number[];
  /** Create the socket inside this named network namespace (/run/netns/NAME). */
  netns?: string;
  /** Receive buffer bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF). Default 4 MiB. */
  rcvbuf?: number;
  /** NETLINK_GET_STRICT_CHK: strict header checks, enables kernel-side dump filtering. */
  strict?: boolean;
  /** Default per-request timeout in ms (0 = none). Default 30 s. */
  timeoutMs?: number;
}

export interface NlRequest {
  type: number;
  /** Extra flags (NLM_F_DUMP, NLM_F_CREATE|NLM_F_EXCL, ...); REQUEST and ACK are always added. */
  flags: number;
  payload: Buffer;
}

/**
 * The kernel side of a NetlinkSocket: the real AF_NETLINK socket (nativeIo), or a scripted fake
 * kernel in unit tests (NetlinkSocket.fromIo).
 */
export interface NetlinkIo {
  /** Writes one datagram to the kernel. Throws an Error with an errno `code` on failure. */
  send(data: Buffer): void;
  /** The next queued datagram with its sender sockaddr_nl and control data, or null. */
  recv(): { data: Buffer; addr: Buffer; control: Buffer } | null;
  setsockopt(level: number, name: number, value: Buffer): void;
  /** Calls back on readability until stopped; ref(false) lets the process exit. */
  watch(cb: (err: Error | null) => void): { stop(): void; ref(on: boolean): void };
  close(): void;
}

export type NlResult = { ok: true; messages: NlMessage[] } | { ok: false; error: Error };

/** What request/reply users need of a socket: a NetlinkSocket, or a fake in unit tests. */
export type NetlinkRequester = Pick<NetlinkSocket, 'request' | 'requestMany' | 'close'>;

export type MulticastListener = (msg: NlMessage, group: number) => void;

interface Pending {
  seq: number;
  type: number;
  flags: number;
  bytes: Buffer;
  dump: boolean;
  replies: NlMessage[];
  retries: number;
  interrupted: boolean;
  timer?: NodeJS.Timeout;
  settle: (r: NlResult) => void;
}

/** Acks of one write must fit the receive buffer; these bounds keep a write's acks well under 1 MiB. */
const MAX_WRITE_MESSAGES = 128;
const MAX_WRITE_BYTES = 64 * 1024;
/** Datagrams read per drain before yielding to the event loop (poll brings us back). */
const DRAIN_BUDGET = 256;
const DUMP_INTR_RETRIES = 3;

export class NetlinkSocket {
  readonly protocol: number;
  /** Our netlink port id (nl_pid the kernel assigned at bind). */
  readonly portId: number;
  #io: NetlinkIo;
  #poll: { stop(): void; ref(on: boolean): void } | undefined;
  #seq: number;
  #queue: Pending[] = [];
  #inflight = new Map<number, Pending>();
  #dumpSeq: number | undefined;
  #pumping = false;
  #pumpScheduled = false;
  #closed = false;
  #timeoutMs: number;
  #listeners = new Set<MulticastListener>();
  #overrunListeners = new Set<(err: Error) => void>();
  #pktinfo = false;

  private constructor(io: NetlinkIo, protocol: number, portId: number, timeoutMs: number) {
    this.#io = io;
    this.protocol = protocol;
    this.portId = portId;
    this.#timeoutMs = timeoutMs;
    this.#seq = 1 + Math.floor(Math.random() * 0x3fffffff);
  }

  /** Opens, configures and binds a netlink socket. Throws a NetlinkError (code = errno name). */
  static open(protocol: number, opts: NetlinkSocketOptions = {}): NetlinkSocket {
    const n = native();
    let fd: number;
    try {
      fd = inNetns(opts.netns, () => n.socket(AF_NETLINK, SOCK_RAW, protocol));
    } catch (e) {
      throw sysToNetlink(e);
    }
    try {
      const one = int32(1);
      // Extended acks give a reason string; capped acks echo only the request header, not the
      // whole request (linux/netlink.h NETLINK_EXT_ACK, NETLINK_CAP_ACK). Both are optional.
      trySetOpt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one);
      trySetOpt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one);
      if (opts.strict) n.setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, one);
      const rcv = int32(opts.rcvbuf ?? 4 * 1024 * 1024);
      if (!trySetOpt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcv)) trySetOpt(fd, SOL_SOCKET, SO_RCVBUF, rcv);
      trySetOpt(fd, SOL_SOCKET, SO_SNDBUF, int32(1024 * 1024));
      n.bind(fd, sockaddrNl(0, 0));
      const addr = decodeSockaddr(n.getsockname(fd));
      const portId = 'pid' in addr ? addr.pid : 0;
      const s = new NetlinkSocket(nativeIo(fd), protocol, portId, opts.timeoutMs ?? 30_000);
      s.#start();
      for (const g of opts.groups ?? []) s.addMembership(g);
      return s;
    } catch (e) {
      try {
        n.close(fd);
      } catch {
        // already failing
      }
      throw sysToNetlink(e);
    }
  }

  /** A socket over any NetlinkIo: the seam for unit tests with a scripted kernel. */
  static fromIo(io: NetlinkIo, opts: { protocol?: number; portId?: number; timeoutMs?: number } = {}): NetlinkSocket {
    const s = new NetlinkSocket(io, opts.protocol ?? 0, opts.portId ?? 1, opts.timeoutMs ?? 30_000);
    s.#start();
    return s;
  }

  #start(): void {
    this.#poll = this.#io.watch((err) => this.#onPoll(err, err ? 0 : UV_READABLE));
    this.#updateRef();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Joins a multicast group (NETLINK_ADD_MEMBERSHIP). */
  addMembership(group: number): void {
    this.#assertOpen();
    try {
      if (!this.#pktinfo) {
        // Tells which group a message came to even for groups above 32, which nl_groups cannot show.
        this.#io.setsockopt(SOL_NETLINK, NETLINK_PKTINFO, int32(1));
        this.#pktinfo = true;
      }
      this.#io.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int32(group));
    } catch (e) {
      throw sysToNetlink(e);
    }
  }

  dropMembership(group: number): void {
    this.#assertOpen();
    try {
      this.#io.setsockopt(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, int32(group));
    } catch (e) {
      throw sysToNetlink(e);
    }
  }

  /** Receives every multicast message (one call per message). Returns an unsubscribe function. */
  onMulticast(cb: MulticastListener): () => void {
    this.#listeners.add(cb);
    this.#updateRef();
    return () => {
      this.#listeners.delete(cb);
      this.#updateRef();
    };
  }

  /**
   * Called when multicast messages were lost (ENOBUFS on receive, NLMSG_OVERRUN): the listener
   * should resynchronise with a dump. Returns an unsubscribe function.
   */
  onOverrun(cb: (err: Error) => void): () => void {
    this.#overrunListeners.add(cb);
    return () => this.#overrunListeners.delete(cb);
  }

  /**
   * Sends one request. Resolves with the reply messages: every message of a dump (NLM_F_DUMP) up to
   * NLMSG_DONE, or the replies before the ACK ([] for a bare ACK). Rejects with a NetlinkError
   * (code = errno name, extack, requestType), or a NetlinkDecodeError for a malformed reply.
   */
  request(type: number, flags: number, payload: Buffer, opts: { timeoutMs?: number } = {}): Promise<NlMessage[]> {
    return new Promise((resolve, reject) => {
      this.#enqueue({ type, flags, payload }, opts.timeoutMs, (r) => (r.ok ? resolve(r.messages) : reject(r.error)));
    });
  }

  /**
   * Pipelines many requests: they go out several per write, in order, each acked separately.
   * Never rejects; one result per request, in order. A failed request does not stop the others.
   */
  requestMany(batch: NlRequest[], opts: { timeoutMs?: number } = {}): Promise<NlResult[]> {
    return Promise.all(batch.map((req) => new Promise<NlResult>((resolve) => this.#enqueue(req, opts.timeoutMs, resolve))));
  }

  /** Closes the socket; pending requests reject with code ERR_SOCKET_CLOSED. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poll?.stop();
    this.#poll = undefined;
    try {
      this.#io.close();
    } catch {
      // nothing useful to do
    }
    const err = () => new NetlinkError({ errno: 0, code: 'ERR_SOCKET_CLOSED', message: 'netlink socket closed' });
    for (const p of [...this.#inflight.values(), ...this.#queue]) this.#finish(p, { ok: false, error: err() });
    this.#queue = [];
    this.#inflight.clear();
    this.#listeners.clear();
    this.#overrunListeners.clear();
  }

  // ------------------------------------------------------------------ internals

  #assertOpen(): void {
    if (this.#closed) throw new NetlinkError({ errno: 0, code: 'ERR_SOCKET_CLOSED', message: 'netlink socket closed' });
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  #enqueue(req: NlRequest, timeoutMs: number | undefined, settle: (r: NlResult) => void): void {
    if (this.#closed) {
      settle({ ok: false, error: new NetlinkError({ errno: 0, code: 'ERR_SOCKET_CLOSED', message: 'netlink socket closed', requestType: req.type }) });
      return;
    }
    const flags = (req.flags | NLM_F_REQUEST | NLM_F_ACK) & 0xffff;
    const p: Pending = {
      seq: 0,
      type: req.type,
      flags,
      bytes: Buffer.alloc(0),
      dump: (flags & NLM_F_DUMP) === NLM_F_DUMP,
      replies: [],
      retries: 0,
      interrupted: false,
      settle,
    };
    try {
      this.#assign(p, req.payload);
    } catch (e) {
      settle({ ok: false, error: e as Error });
      return;
    }
    const t = timeoutMs ?? this.#timeoutMs;
    if (t > 0) {
      p.timer = setTimeout(() => {
        this.#failOne(p, new NetlinkError({ errno: 110, code: 'ETIMEDOUT', message: `no netlink reply in ${t} ms`, requestType: p.type }));
      }, t);
      p.timer.unref();
    }
    this.#queue.push(p);
    this.#updateRef();
    this.#schedulePump();
  }

  /** Writes on the next microtask, so requests issued in the same tick share writes. */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #assign(p: Pending, payload: Buffer): void {
    p.seq = this.#nextSeq();
    p.bytes = encodeMessage({ type: p.type, flags: p.flags, seq: p.seq, pid: 0 }, payload);
  }

  /** Settles a request once, and forgets it. */
  #finish(p: Pending, r: NlResult): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    const wasQueued = this.#queue.indexOf(p);
    if (wasQueued >= 0) this.#queue.splice(wasQueued, 1);
    if (this.#inflight.get(p.seq) === p) this.#inflight.delete(p.seq);
    const settle = p.settle;
    p.settle = () => {};
    settle(r);
    this.#updateRef();
    // A request that ends outside a drain (a timeout) may unblock a queued dump.
    if (this.#queue.length > 0 && !this.#pumping && !this.#closed) this.#schedulePump();
  }

  #updateRef(): void {
    if (!this.#poll) return;
    this.#poll.ref(this.#inflight.size + this.#queue.length + this.#listeners.size > 0);
  }

  /** Writes queued requests (strict FIFO; a dump waits while another dump runs) and drains replies. */
  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      for (;;) {
        const chunk = this.#takeChunk();
        if (chunk.length === 0) break;
        this.#write(chunk);
        this.#drain(DRAIN_BUDGET);
        if (this.#closed) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #takeChunk(): Pending[] {
    const out: Pending[] = [];
    let bytes = 0;
    while (this.#queue.length > 0 && out.length < MAX_WRITE_MESSAGES) {
      const p = this.#queue[0];
      if (p.dump) {
        // The kernel runs one dump per socket at a time (a second gets EBUSY); keep FIFO order.
        if (this.#dumpSeq !== undefined) break;
        if (out.length > 0) break; // a dump goes alone so its replies start right after the write
      }
      if (out.length > 0 && bytes + p.bytes.length > MAX_WRITE_BYTES) break;
      this.#queue.shift();
      out.push(p);
      bytes += p.bytes.length;
      if (p.dump) {
        this.#dumpSeq = p.seq;
        break;
      }
    }
    return out;
  }

  #write(chunk: Pending[]): void {
    for (const p of chunk) this.#inflight.set(p.seq, p);
    const data = chunk.length === 1 ? chunk[0].bytes : Buffer.concat(chunk.map((p) => p.bytes));
    try {
      this.#io.send(data);
    } catch (e) {
      const err = sysToNetlink(e);
      for (const p of chunk) {
        if (p.dump && this.#dumpSeq === p.seq) this.#dumpSeq = undefined;
        this.#finish(p, { ok: false, error: new NetlinkError({ errno: err.errno, code: err.code, requestType: p.type, cause: e }) });
      }
    }
  }

  #onPoll(err: Error | null, events: number): void {
    if (this.#closed) return;
    if (err) {
      this.#failAll(sysToNetlink(err));
      return;
    }
    if (events & UV_READABLE) this.#drain(DRAIN_BUDGET);
    this.#pump();
  }

  /** Reads up to `budget` datagrams, dispatching each; stops at EAGAIN. */
  #drain(budget: number): void {
    for (let i = 0; i < budget && !this.#closed; i++) {
      let r;
      try {
        r = this.#io.recv();
        if (r === null) return;
      } catch (e) {
        if ((e as { code?: unknown })?.code === 'ENOBUFS') {
          // The receive queue overflowed: something was dropped. Pending requests may have lost
          // their replies, and multicast listeners their events.
          const lost = new NetlinkError({ errno: 105, code: 'ENOBUFS', message: 'netlink receive buffer overrun: messages were lost', cause: e });
          this.#overrun(lost);
          for (const p of [...this.#inflight.values()]) this.#failOne(p, lost);
          continue;
        }
        this.#failAll(sysToNetlink(e));
        return;
      }
      this.#dispatch(r.data, r.addr, r.control);
    }
  }

  #dispatch(data: Buffer, addr: Buffer, control: Buffer): void {
    let group = 0;
    try {
      const sa = decodeSockaddr(addr);
      if ('groups' in sa && sa.groups !== 0) group = 32 - Math.clz32(sa.groups); // nl_groups is a one-bit mask: bit n-1 is group n
      if (sa.family === AF_NETLINK && 'pid' in sa && sa.pid !== 0) return; // only the kernel (pid 0) talks to us
    } catch {
      // an odd address: judge by the messages
    }
    if (control.length > 0) {
      const info = decodeRecvInfo(control);
      if (info.nlGroup) group = info.nlGroup;
    }
    let msgs: NlMessage[];
    try {
      msgs = decodeMessages(data);
    } catch (e) {
      // Blame the request the first header names, if any; otherwise the datagram is dropped.
      if (data.length >= 12 && group === 0) {
        const p = this.#inflight.get(data.readUInt32LE(8));
        if (p) this.#failOne(p, e as Error);
      }
      return;
    }
    for (const m of msgs) {
      if (group !== 0) this.#emitMulticast(m, group);
      else this.#onReply(m);
    }
  }

  #emitMulticast(m: NlMessage, group: number): void {
    if (m.type === NLMSG_OVERRUN) {
      this.#overrun(new NetlinkError({ errno: 105, code: 'ENOBUFS', message: 'NLMSG_OVERRUN' }));
      return;
    }
    for (const l of [...this.#listeners]) {
      try {
        l(m, group);
      } catch (e) {
        // A listener bug must not corrupt the socket's state; surface it as an uncaught error.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  #overrun(err: Error): void {
    for (const l of [...this.#overrunListeners]) {
      try {
        l(err);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  #onReply(m: NlMessage): void {
    const p = this.#inflight.get(m.seq);
    if (!p) return; // late reply to a timed-out request, or not ours
    if (m.type === NLMSG_NOOP) return;
    if (m.type === NLMSG_ERROR) {
      let e;
      try {
        e = decodeError(m);
      } catch (err) {
        this.#failOne(p, err as Error);
        return;
      }
      if (e.errno === 0) {
        if (p.dump) this.#endDump(p);
        else this.#finish(p, { ok: true, messages: p.replies });
      } else {
        this.#failOne(p, new NetlinkError({ errno: e.errno, requestType: p.type, extack: e.extMessage, extackOffset: e.extOffset }));
      }
      return;
    }
    if (m.type === NLMSG_DONE) {
      // NLMSG_DONE carries an int: negative errno when the dump itself failed.
      if (m.payload.length >= 4) {
        const err = -m.payload.readInt32LE(0);
        if (err > 0) {
          let extack: string | undefined;
          try {
            extack = decodeError({ ...m, type: NLMSG_ERROR }).extMessage;
          } catch {
            // best effort
          }
          this.#failOne(p, new NetlinkError({ errno: err, requestType: p.type, extack }));
          return;
        }
      }
      if (m.flags & NLM_F_DUMP_INTR) p.interrupted = true;
      this.#endDump(p);
      return;
    }
    if (m.type === NLMSG_OVERRUN) {
      this.#failOne(p, new NetlinkError({ errno: 105, code: 'ENOBUFS', message: 'NLMSG_OVERRUN', requestType: p.type }));
      return;
    }
    if (m.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    p.replies.push(m);
  }

  #endDump(p: Pending): void {
    if (this.#dumpSeq === p.seq) this.#dumpSeq = undefined;
    if (p.interrupted && p.retries < DUMP_INTR_RETRIES) {
      // The table changed during the dump (NLM_F_DUMP_INTR): the view may be inconsistent; redo it.
      this.#inflight.delete(p.seq);
      p.retries++;
      p.interrupted = false;
      p.replies = [];
      this.#assign(p, p.bytes.subarray(16, p.bytes.readUInt32LE(0)));
      this.#queue.unshift(p);
      return;
    }
    if (p.interrupted) {
      this.#finish(p, { ok: false, error: new NetlinkError({ errno: 4, code: 'EINTR', message: 'dump kept being interrupted (NLM_F_DUMP_INTR)', requestType: p.type }) });
      return;
    }
    this.#finish(p, { ok: true, messages: p.replies });
  }

  #failOne(p: Pending, error: Error): void {
    if (p.dump && this.#dumpSeq === p.seq) this.#dumpSeq = undefined;
    this.#finish(p, { ok: false, error });
  }

  #failAll(error: Error): void {
    for (const p of [...this.#inflight.values()]) this.#failOne(p, error);
  }
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

function trySetOpt(fd: number, level: number, name: number, value: Buffer): boolean {
  try {
    native().setsockopt(fd, level, name, value);
    return true;
  } catch {
    return false;
  }
}

function sysToNetlink(e: unknown): NetlinkError {
  if (e instanceof NetlinkError) return e;
  if (isSysError(e)) return new NetlinkError({ errno: e.errno, code: e.code, message: e.message, cause: e });
  if (e instanceof NetlinkDecodeError) return new NetlinkError({ errno: 0, code: e.code, message: e.message, cause: e });
  return new NetlinkError({ errno: 0, code: 'ERR_NETLINK', message: (e as Error)?.message ?? String(e), cause: e });
}

/** The real kernel: an AF_NETLINK socket through the addon. */
function nativeIo(fd: number): NetlinkIo {
  const n = native();
  return {
    send: (data) => void n.sendto(fd, data, sockaddrNl(0, 0), 0),
    recv: () => {
      // Peek the size first so a large dump part is never truncated (MSG_TRUNC returns the real length).
      const peek = n.recvmsg(fd, 0, 0, MSG_PEEK | MSG_TRUNC);
      if (peek === null) return null;
      return n.recvmsg(fd, Math.max(peek.size, 16), 64, 0);
    },
    setsockopt: (level, name, value) => n.setsockopt(fd, level, name, value),
    watch: (cb) => {
      const h: PollHandle = n.poll(fd, true, false, (err) => cb(err));
      return { stop: () => h.stop(), ref: (on) => h.ref(on) };
    },
    close: () => n.close(fd),
  };
}
