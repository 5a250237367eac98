// PING_CHECK (keepalived check_ping.c): an ICMP / ICMPv6 echo request to the real server; up when
// the matching echo reply arrives within connect_timeout. A raw socket per probe (the daemon runs
// as root with CAP_NET_RAW); every byte of the echo is built and parsed here. Each raw ICMP socket
// sees every ICMP packet of the host, so replies are matched on source, identifier and sequence.
import { randomInt } from 'node:crypto';
import { RawSocket, type RawMessage } from '../src/native/socket.ts';
import { AF_INET, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 } from '../src/native/constants.ts';
import { sockaddrIn, sockaddrIn6 } from '../src/native/sockaddr.ts';
import { parseIp, ipEquals, type IpBytes } from '../src/vrrp/addr.ts';
import { internetChecksum } from '../src/vrrp/checksum.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason, type ProbeResult } from './types.ts';

const IPPROTO_ICMP = 1;
const ICMP_ECHO = 8;
const ICMP_ECHOREPLY = 0;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

export interface PingTarget {
  host: string;
}

export interface PingOptions {
  /** connect_timeout */
  timeoutMs: number;
  /** Open the socket in this named network namespace (tests). */
  netns?: string;
}

/** An echo request. IPv4 carries its checksum; the kernel fills in the ICMPv6 one (RFC 3542 §3.1). */
export function encodeEcho(family: 4 | 6, id: number, seq: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = family === 4 ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  b.set(payload, 8);
  if (family === 4) b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

/** The echo reply in a received datagram (IPv4 raw sockets deliver the IP header too), or null. */
export function decodeEchoReply(family: 4 | 6, data: Uint8Array): { id: number; seq: number } | null {
  let off = 0;
  if (family === 4) {
    if (data.length < 20 || data[0] >> 4 !== 4) return null;
    off = (data[0] & 0x0f) * 4;
  }
  if (data.length < off + 8) return null;
  if (data[off] !== (family === 4 ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY) || data[off + 1] !== 0) return null;
  return { id: (data[off + 4] << 8) | data[off + 5], seq: (data[off + 6] << 8) | data[off + 7] };
}

export function probePing(target: PingTarget, options: PingOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  const addr: IpBytes | undefined = parseIp(target.host);
  if (!addr) return Promise.resolve(result(false, 'error', `bad address ${target.host}`, start));
  if (signal?.aborted) return Promise.resolve(result(false, abortReason(signal), 'aborted before send', start));
  const family: 4 | 6 = addr.length === 4 ? 4 : 6;
  return new Promise((resolve) => {
    let sock: RawSocket;
    try {
      sock = RawSocket.open(family === 4 ? AF_INET : AF_INET6, SOCK_RAW, family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, { netns: options.netns });
    } catch (e) {
      return resolve(result(false, 'error', `cannot open an ICMP socket: ${errorDetail(e)}`, start));
    }
    const id = randomInt(0, 0x10000);
    const seq = randomInt(0, 0x10000);
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.timeoutMs,
      onTimeout: () => result(false, 'timeout', `no echo reply within ${options.timeoutMs} ms`, start),
      release: () => sock.close(),
    });
    sock.on('error', (e: Error) => finish(result(false, socketErrorReason(e), errorDetail(e), start)));
    sock.on('message', (m: RawMessage) => {
      if (!m.src || !ipEquals(m.src, addr)) return;
      const r = decodeEchoReply(family, m.data);
      if (r && r.id === id && r.seq === seq) finish(result(true, 'ok', 'echo reply', start));
    });
    try {
      sock.send(encodeEcho(family, id, seq, Buffer.from('keepalived-ts')), family === 4 ? sockaddrIn(addr) : sockaddrIn6(addr));
    } catch (e) {
      finish(result(false, socketErrorReason(e), errorDetail(e), start));
    }
  });
}
