// The addon's generic syscalls on loopback UDP (no root needed): socket/bind/getsockname/
// setsockopt/getsockopt/sendto/sendmsg/recvmsg/poll/close, ancillary data parsed by cmsg.ts,
// errors with errno names, argument checking, and RawSocket's event loop integration.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecvInfo, ipPktinfoCmsg } from '../../../src/native/cmsg.ts';
import { AF_INET, AF_INET6, IP_PKTINFO, IP_RECVTTL, IP_TTL, IPPROTO_IP, MSG_PEEK, MSG_TRUNC, SO_RCVBUF, SO_TIMESTAMPNS, SOCK_DGRAM, SOL_SOCKET } from '../../../src/native/constants.ts';
import { isSysError, native, nativeAvailable, UV_READABLE } from '../../../src/native/index.ts';
import { decodeSockaddr, sockaddrIn, sockaddrIn6 } from '../../../src/native/sockaddr.ts';
import { intOpt, readIntOpt } from '../../../src/native/sockopt.ts';
import { RawSocket } from '../../../src/native/socket.ts';
import type { RawMessage } from '../../../src/native/socket.ts';
import { ip } from '../../../src/vrrp/addr.ts';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skip = !nativeAvailable() && !ci ? 'native addon not built (npx node-gyp rebuild -C src/native)' : false;
const LO = ip('127.0.0.1');

function udp(): { fd: number; port: number } {
  const n = native();
  const fd = n.socket(AF_INET, SOCK_DGRAM, 0);
  n.bind(fd, sockaddrIn(LO, 0));
  const a = decodeSockaddr(n.getsockname(fd));
  assert.ok('port' in a);
  return { fd, port: a.port };
}

describe('kats_sockets addon', { skip }, () => {
  it('round-trips a datagram with TTL and packet info as control data', async () => {
    const n = native();
    const rx = udp();
    const tx = udp();
    try {
      n.setsockopt(rx.fd, IPPROTO_IP, IP_RECVTTL, intOpt(1));
      n.setsockopt(rx.fd, IPPROTO_IP, IP_PKTINFO, intOpt(1));
      n.setsockopt(tx.fd, IPPROTO_IP, IP_TTL, intOpt(77));
      assert.equal(readIntOpt(n.getsockopt(tx.fd, IPPROTO_IP, IP_TTL, 4)), 77);
      assert.equal(n.recvmsg(rx.fd, 100, 100, 0), null, 'EAGAIN is null');

      const events = await new Promise<number>((resolve) => {
        const h = n.poll(rx.fd, true, false, (err, ev) => {
          assert.equal(err, null);
          h.stop();
          h.stop();
          resolve(ev);
        });
        assert.equal(n.sendto(tx.fd, Buffer.from('hello'), sockaddrIn(LO, rx.port), 0), 5);
      });
      assert.ok(events & UV_READABLE);

      const peek = n.recvmsg(rx.fd, 0, 0, MSG_PEEK | MSG_TRUNC);
      assert.equal(peek?.size, 5, 'MSG_TRUNC reports the full length');
      const r = n.recvmsg(rx.fd, 2, 256, MSG_TRUNC);
      assert.ok(r);
      assert.equal(r.data.toString(), 'he');
      assert.equal(r.size, 5);
      assert.ok(r.flags & MSG_TRUNC);
      const from = decodeSockaddr(r.addr);
      assert.ok(from.family === AF_INET && 'port' in from && from.port === tx.port);
      const info = decodeRecvInfo(r.control);
      assert.equal(info.ttl, 77);
      assert.equal(info.ifindex, 1);
      assert.deepEqual(info.dst, LO);

      // sendmsg with an IP_PKTINFO control message
      assert.equal(n.sendmsg(tx.fd, Buffer.from('x'), sockaddrIn(LO, rx.port), ipPktinfoCmsg(0, LO), 0), 1);
      let got = null;
      for (let i = 0; i < 100 && !got; i++) {
        got = n.recvmsg(rx.fd, 10, 0, 0);
        if (!got) await new Promise((res) => setTimeout(res, 5));
      }
      assert.equal(got?.data.toString(), 'x');
    } finally {
      n.close(rx.fd);
      n.close(tx.fd);
    }
  });

  it('stamps datagrams with the kernel receive time (SO_TIMESTAMPNS), comparable with clockGettime(CLOCK_REALTIME)', async () => {
    const n = native();
    const rx = udp();
    const tx = udp();
    try {
      n.setsockopt(rx.fd, SOL_SOCKET, SO_TIMESTAMPNS, intOpt(1));
      const before = n.clockGettime(0);
      n.sendto(tx.fd, Buffer.from('t'), sockaddrIn(LO, rx.port), 0);
      let got = null;
      for (let i = 0; i < 100 && !got; i++) {
        got = n.recvmsg(rx.fd, 10, 256, 0);
        if (!got) await new Promise((res) => setTimeout(res, 5));
      }
      const after = n.clockGettime(0);
      assert.ok(got);
      const stamp = decodeRecvInfo(got.control).rxRealtimeMs;
      assert.ok(stamp !== undefined, 'no SCM_TIMESTAMPNS control message');
      assert.ok(stamp >= before && stamp <= after, `stamp ${stamp} outside [${before}, ${after}]`);
      assert.ok(Math.abs(n.clockGettime(0) - Date.now()) < 50, 'CLOCK_REALTIME in ms, the clock of Date.now()');
      assert.ok(n.clockGettime(1) > 0, 'CLOCK_MONOTONIC');
      assert.throws(() => n.clockGettime(12345), (e: unknown) => isSysError(e) && e.code === 'EINVAL');
    } finally {
      n.close(rx.fd);
      n.close(tx.fd);
    }
  });

  it('throws Errors with code, errno and syscall', () => {
    const n = native();
    const check = (fn: () => unknown, code: string, syscall: string) =>
      assert.throws(fn, (e: unknown) => {
        assert.ok(isSysError(e), String(e));
        assert.equal(e.code, code);
        assert.equal(e.syscall, syscall);
        assert.ok(e.errno > 0);
        assert.match(e.message, new RegExp(`^${syscall} ${code}: `));
        return true;
      });
    check(() => n.socket(12345, SOCK_DGRAM, 0), 'EAFNOSUPPORT', 'socket');
    check(() => n.bind(999_999, sockaddrIn(LO, 0)), 'EBADF', 'bind');
    check(() => n.close(999_999), 'EBADF', 'close');
    check(() => n.getsockopt(999_999, SOL_SOCKET, SO_RCVBUF, 4), 'EBADF', 'getsockopt');
    const { fd } = udp();
    try {
      check(() => n.bind(fd, sockaddrIn(ip('192.0.2.123'), 0)), 'EADDRNOTAVAIL', 'bind');
      check(() => n.sendto(fd, Buffer.from('x'), sockaddrIn6(ip('::1'), 9), 0), 'EAFNOSUPPORT', 'sendto');
      check(() => n.setsockopt(fd, IPPROTO_IP, IP_TTL, Buffer.alloc(0)), 'EINVAL', 'setsockopt');
    } finally {
      n.close(fd);
    }
  });

  it('checks its arguments (TypeError, never a crash)', () => {
    const n = native() as unknown as Record<string, (...a: unknown[]) => unknown>;
    assert.throws(() => n.socket('2', 2, 0), TypeError);
    assert.throws(() => n.bind(3, 'nope'), TypeError);
    assert.throws(() => n.bind(3, Buffer.alloc(0)), TypeError);
    assert.throws(() => n.bind(3, Buffer.alloc(129)), TypeError);
    assert.throws(() => n.bind(3, new Uint16Array(4)), TypeError);
    assert.throws(() => n.sendto(3, 'str', null, 0), TypeError);
    assert.throws(() => n.sendmsg(3, Buffer.alloc(1), null, 'ctl', 0), TypeError);
    assert.throws(() => n.recvmsg(3, -1, 0, 0), TypeError);
    assert.throws(() => n.getsockopt(3, 0, 0, 1 << 20), TypeError);
    assert.throws(() => n.poll(3, true, false, 'cb'), TypeError);
    assert.throws(() => n.setns('x', 0), TypeError);
  });

  it('RawSocket emits messages with decoded metadata and closes cleanly', async () => {
    const s = RawSocket.open(AF_INET, SOCK_DGRAM, 0);
    s.bind(sockaddrIn(LO, 0));
    s.setOption(IPPROTO_IP, IP_RECVTTL, 1);
    const port = (s.localAddress() as { port: number }).port;
    const tx = RawSocket.open(AF_INET, SOCK_DGRAM, 0);
    try {
      const got = new Promise<RawMessage[]>((resolve) => {
        const seen: RawMessage[] = [];
        s.on('message', (m: RawMessage) => {
          seen.push(m);
          if (seen.length === 3) resolve(seen);
        });
      });
      await new Promise((r) => setImmediate(r));
      for (const t of ['a', 'b', 'c']) tx.send(Buffer.from(t), sockaddrIn(LO, port));
      const msgs = await got;
      assert.deepEqual(msgs.map((m) => m.data.toString()), ['a', 'b', 'c']);
      assert.deepEqual(msgs[0].src, LO);
      assert.equal(msgs[0].ttl, 64);
      assert.equal(msgs[0].truncated, false);
    } finally {
      let closed = false;
      s.on('close', () => (closed = true));
      s.close();
      s.close();
      tx.close();
      assert.equal(closed, true);
    }
    assert.throws(() => s.send(Buffer.from('x')), (e: unknown) => (e as { code?: string }).code === 'ERR_SOCKET_CLOSED');
  });

  it('a Worker terminated while it polls a socket exits cleanly (no crash at addon unload)', async () => {
    const { Worker } = await import('node:worker_threads');
    const index = new URL('../../../src/native/index.ts', import.meta.url).href;
    const code = `
      const { parentPort } = await import('node:worker_threads');
      const { native } = await import(${JSON.stringify(index)});
      const n = native();
      const fd = n.socket(2, 2, 0);
      n.poll(fd, true, false, () => {});
      const fd2 = n.socket(2, 2, 0);
      n.poll(fd2, true, false, () => {}).stop();
      parentPort.postMessage('polling');
    `;
    const w = new Worker(code, { eval: true });
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.equal(await w.terminate(), 1);
  });

  it('an IPv6 UDP socket reports its scope id through sockaddr_in6', () => {
    const n = native();
    const fd = n.socket(AF_INET6, SOCK_DGRAM, 0);
    try {
      n.bind(fd, sockaddrIn6(ip('::1'), 0));
      const a = decodeSockaddr(n.getsockname(fd));
      assert.ok(a.family === AF_INET6 && 'scopeId' in a);
      assert.deepEqual(a.address, ip('::1'));
      assert.equal(a.scopeId, 0);
    } finally {
      n.close(fd);
    }
  });
});
