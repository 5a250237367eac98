// NetlinkSocket's request/reply machinery against a scripted kernel (NetlinkSocket.fromIo): the
// cases a real kernel rarely shows on demand. Dumps across datagrams, NLM_F_DUMP_INTR retries,
// a failing dump (negative NLMSG_DONE), malformed replies rejecting only their request,
// multicast told apart by sender address, foreign senders ignored, receive overruns, timeouts,
// write batching and write failures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sockaddrNl } from '../../../src/native/sockaddr.ts';
import { NetlinkError } from '../../../src/netlink/errors.ts';
import { cstring, decodeMessages, encodeAttrs, encodeMessage, NetlinkDecodeError, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR } from '../../../src/netlink/message.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import { NetlinkSocket } from '../../../src/netlink/socket.ts';
import type { NetlinkIo } from '../../../src/netlink/socket.ts';

type Datagram = { data: Buffer; addr?: Buffer };
type Handler = (req: NlMessage, kernel: FakeKernel) => Datagram[] | void;

class FakeKernel implements NetlinkIo {
  queue: { data: Buffer; addr: Buffer; control: Buffer }[] = [];
  writes: Buffer[] = [];
  requests: NlMessage[] = [];
  sendError: (Error & { code: string }) | undefined;
  recvError: (Error & { code: string }) | undefined;
  #cb: ((err: Error | null) => void) | undefined;
  #handler: Handler;

  constructor(handler: Handler) {
    this.#handler = handler;
  }

  send(data: Buffer): void {
    if (this.sendError) throw this.sendError;
    this.writes.push(data);
    for (const m of decodeMessages(data)) {
      this.requests.push(m);
      for (const d of this.#handler(m, this) ?? []) this.push(d);
    }
  }

  push(d: Datagram): void {
    this.queue.push({ data: d.data, addr: d.addr ?? sockaddrNl(0, 0), control: Buffer.alloc(0) });
    setImmediate(() => this.#cb?.(null));
  }

  recv() {
    if (this.recvError) {
      const e = this.recvError;
      this.recvError = undefined;
      throw e;
    }
    return this.queue.shift() ?? null;
  }

  setsockopt(): void {}
  watch(cb: (err: Error | null) => void) {
    this.#cb = cb;
    return { stop: () => (this.#cb = undefined), ref: () => {} };
  }
  close(): void {}
}

const msg = (type: number, flags: number, seq: number, payload: Buffer = Buffer.alloc(4)) => encodeMessage({ type, flags, seq, pid: 1 }, payload);
function ack(req: NlMessage, errno = 0, extack?: string): Buffer {
  const head = Buffer.alloc(20);
  head.writeInt32LE(-errno, 0);
  head.writeUInt32LE(req.length, 4);
  head.writeUInt16LE(req.type, 8);
  head.writeUInt16LE(req.flags, 10);
  head.writeUInt32LE(req.seq, 12);
  const tlv = extack ? encodeAttrs([{ type: 1, value: cstring(extack) }]) : Buffer.alloc(0);
  return msg(NLMSG_ERROR, extack ? NLM_F_ACK_TLVS | NLM_F_CAPPED : NLM_F_CAPPED, req.seq, Buffer.concat([head, tlv]));
}
const done = (seq: number, err = 0, flags = 0) => {
  const p = Buffer.alloc(4);
  p.writeInt32LE(-err, 0);
  return msg(NLMSG_DONE, NLM_F_MULTI | flags, seq, p);
};
const item = (seq: number, n: number, flags = 0) => msg(100, NLM_F_MULTI | flags, seq, Buffer.from([n, 0, 0, 0]));

describe('NetlinkSocket with a scripted kernel', () => {
  it('a dump spanning several datagrams resolves with all its messages', async () => {
    const k = new FakeKernel((r) => [{ data: Buffer.concat([item(r.seq, 1), item(r.seq, 2)]) }, { data: Buffer.concat([item(r.seq, 3), done(r.seq)]) }]);
    const s = NetlinkSocket.fromIo(k);
    const got = await s.request(100, NLM_F_DUMP, Buffer.alloc(4));
    assert.deepEqual(got.map((m) => m.payload[0]), [1, 2, 3]);
    assert.equal(k.requests[0].flags & 0x5, 0x5, 'REQUEST|ACK added');
    s.close();
  });

  it('NLM_F_DUMP_INTR makes it redo the dump with a fresh seq', async () => {
    let n = 0;
    const k = new FakeKernel((r) => (n++ === 0 ? [{ data: Buffer.concat([item(r.seq, 1, NLM_F_DUMP_INTR), done(r.seq, 0, NLM_F_DUMP_INTR)]) }] : [{ data: Buffer.concat([item(r.seq, 7), done(r.seq)]) }]));
    const s = NetlinkSocket.fromIo(k);
    const got = await s.request(100, NLM_F_DUMP, Buffer.alloc(4));
    assert.deepEqual(got.map((m) => m.payload[0]), [7]);
    assert.equal(k.requests.length, 2);
    assert.notEqual(k.requests[0].seq, k.requests[1].seq);
    s.close();
  });

  it('a dump interrupted every time fails with EINTR', async () => {
    const k = new FakeKernel((r) => [{ data: done(r.seq, 0, NLM_F_DUMP_INTR) }]);
    const s = NetlinkSocket.fromIo(k);
    await assert.rejects(s.request(100, NLM_F_DUMP, Buffer.alloc(4)), (e: unknown) => e instanceof NetlinkError && e.code === 'EINTR');
    assert.equal(k.requests.length, 4);
    s.close();
  });

  it('a dump ending in a negative NLMSG_DONE rejects with that errno', async () => {
    const k = new FakeKernel((r) => [{ data: Buffer.concat([item(r.seq, 1), done(r.seq, 95)]) }]);
    const s = NetlinkSocket.fromIo(k);
    await assert.rejects(s.request(100, NLM_F_DUMP, Buffer.alloc(4)), (e: unknown) => e instanceof NetlinkError && e.code === 'EOPNOTSUPP' && e.requestType === 100);
    s.close();
  });

  it('NLMSG_ERROR carries errno name and extended ack text', async () => {
    const k = new FakeKernel((r) => [{ data: ack(r, 3, 'no such service') }]);
    const s = NetlinkSocket.fromIo(k);
    await assert.rejects(s.request(42, 0, Buffer.alloc(4)), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ESRCH');
      assert.equal(e.errno, 3);
      assert.equal(e.extack, 'no such service');
      assert.equal(e.requestType, 42);
      assert.match(e.message, /ESRCH.*no such service/);
      return true;
    });
    s.close();
  });

  it('a malformed reply rejects only its own request', async () => {
    const k = new FakeKernel((r) => {
      if (r.type === 1 + 100) {
        const bad = msg(100, 0, r.seq, Buffer.alloc(8));
        bad.writeUInt32LE(9999, 0); // nlmsg_len past the datagram
        return [{ data: bad }];
      }
      return [{ data: Buffer.concat([msg(100, 0, r.seq), ack(r)]) }];
    });
    const s = NetlinkSocket.fromIo(k);
    const [bad, good] = await Promise.allSettled([s.request(101, 0, Buffer.alloc(4)), s.request(102, 0, Buffer.alloc(4))]);
    assert.equal(bad.status, 'rejected');
    assert.ok(bad.status === 'rejected' && bad.reason instanceof NetlinkDecodeError);
    assert.equal(good.status === 'fulfilled' && good.value.length, 1);
    s.close();
  });

  it('multicast is told apart by the sender address even with a pending seq; foreign senders are ignored', async () => {
    const k = new FakeKernel((r, kern) => {
      // A notification caused by this request: same seq, but sent to group 5.
      kern.push({ data: msg(20, 0, r.seq), addr: sockaddrNl(0, 1 << 4) });
      // A datagram from another process (pid 77) is dropped.
      kern.push({ data: ack(r, 1), addr: sockaddrNl(77, 0) });
      kern.push({ data: ack(r) });
    });
    const s = NetlinkSocket.fromIo(k);
    const seen: [number, number][] = [];
    s.onMulticast((m, g) => seen.push([m.type, g]));
    assert.deepEqual(await s.request(20, 0, Buffer.alloc(4)), []);
    assert.deepEqual(seen, [[20, 5]]);
    s.close();
  });

  it('a receive overrun (ENOBUFS) fails pending requests and tells overrun listeners', async () => {
    const k = new FakeKernel(() => []);
    const s = NetlinkSocket.fromIo(k);
    let overruns = 0;
    s.onOverrun(() => overruns++);
    const p = s.request(1 + 100, 0, Buffer.alloc(4));
    k.recvError = Object.assign(new Error('recvmsg ENOBUFS'), { code: 'ENOBUFS' });
    k.push({ data: Buffer.alloc(0) });
    await assert.rejects(p, (e: unknown) => e instanceof NetlinkError && e.code === 'ENOBUFS');
    assert.equal(overruns, 1);
    s.close();
  });

  it('a request the kernel never answers times out; a dump queued behind it then runs', async () => {
    let first = true;
    const k = new FakeKernel((r) => {
      if (first) {
        first = false;
        return [];
      }
      return [{ data: Buffer.concat([item(r.seq, 9), done(r.seq)]) }];
    });
    const s = NetlinkSocket.fromIo(k, { timeoutMs: 50 });
    const stuck = s.request(100, NLM_F_DUMP, Buffer.alloc(4));
    const next = s.request(100, NLM_F_DUMP, Buffer.alloc(4), { timeoutMs: 5000 });
    await assert.rejects(stuck, (e: unknown) => e instanceof NetlinkError && e.code === 'ETIMEDOUT');
    assert.deepEqual((await next).map((m) => m.payload[0]), [9]);
    s.close();
  });

  it('batches many requests per write, bounded, results in order', async () => {
    const k = new FakeKernel((r) => [{ data: ack(r, r.payload.readUInt16LE(0) === 13 ? 17 : 0) }]);
    const s = NetlinkSocket.fromIo(k);
    const res = await s.requestMany(Array.from({ length: 300 }, (_, i) => ({ type: 30, flags: 0, payload: Buffer.from([i & 255, i >> 8, 0, 0]) })));
    assert.equal(res.length, 300);
    assert.deepEqual(res.map((r, i) => (r.ok ? i : -i)).filter((x) => x < 0), [-13]);
    assert.ok(!res[13].ok && (res[13].error as NetlinkError).code === 'EEXIST');
    assert.ok(k.writes.length >= 3 && k.writes.length < 300, `${k.writes.length} writes`);
    assert.ok(k.writes.every((w) => decodeMessages(w).length <= 128));
    s.close();
  });

  it('a failed write rejects its requests with the errno code', async () => {
    const k = new FakeKernel(() => []);
    k.sendError = Object.assign(new Error('sendto EMSGSIZE'), { code: 'EMSGSIZE', errno: 90 });
    const s = NetlinkSocket.fromIo(k);
    const res = await s.requestMany([{ type: 30, flags: 0, payload: Buffer.alloc(4) }, { type: 31, flags: 0, payload: Buffer.alloc(4) }]);
    assert.deepEqual(res.map((r) => !r.ok && (r.error as NetlinkError).code), ['EMSGSIZE', 'EMSGSIZE']);
    s.close();
  });

  it('close rejects what is in flight', async () => {
    const k = new FakeKernel(() => []);
    const s = NetlinkSocket.fromIo(k);
    const p = s.request(100, 0, Buffer.alloc(4));
    s.close();
    await assert.rejects(p, (e: unknown) => e instanceof NetlinkError && e.code === 'ERR_SOCKET_CLOSED');
  });
});
