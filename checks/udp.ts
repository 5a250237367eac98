// UDP_CHECK (keepalived/check/check_udp.c, core/layer4.c udp_socket_state): send `payload` on a
// connected UDP socket and wait connect_timeout for an answer.
//  * An ICMP port unreachable (ECONNREFUSED on the connected socket) is a failure ('refused').
//  * No answer before the timeout is a SUCCESS unless `require_reply` is set ('timeout' then).
//  * With `require_reply HEX` the reply's length must be within [min_reply_length,
//    max_reply_length] (0..255) and its first min(len, pattern) bytes must match the pattern,
//    where an `X` nibble matches anything.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ProbeResult } from './types.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason } from './types.ts';

export interface UdpTarget {
  host: string;
  port: number;
}

export interface HexPattern {
  data: Buffer;
  /** Bits set where the pattern had an X nibble (ignored in comparison). */
  mask: Buffer;
}

export interface UdpOptions {
  payload?: Buffer;
  requireReply?: boolean | HexPattern;
  minReplyLength?: number;
  maxReplyLength?: number;
  timeoutMs: number;
  localAddress?: string;
}

/** keepalived read_hex_str: hex digits, blanks ignored, X = wildcard nibble. */
export function parseHexPattern(s: string): HexPattern {
  const digits = s.replace(/\s+/g, '');
  if (!/^[0-9a-fA-FxX]*$/.test(digits) || digits.length === 0 || digits.length % 2 !== 0) throw new Error(`Invalid hex string '${s}'`);
  const data = Buffer.alloc(digits.length / 2);
  const mask = Buffer.alloc(digits.length / 2);
  for (let i = 0; i < digits.length; i++) {
    const c = digits[i];
    const wild = c === 'x' || c === 'X';
    const v = wild ? 0 : parseInt(c, 16);
    const shift = i % 2 === 0 ? 4 : 0;
    data[i >> 1] |= v << shift;
    if (wild) mask[i >> 1] |= 0xf << shift;
  }
  return { data, mask };
}

/** check_udp_reply: true when the reply is acceptable. */
export function udpReplyMatches(reply: Buffer, pattern: HexPattern, minLen = 0, maxLen = 255): boolean {
  if (reply.length < minLen || reply.length > maxLen) return false;
  const n = Math.min(reply.length, pattern.data.length);
  for (let i = 0; i < n; i++) if ((reply[i] ^ pattern.data[i]) & ~pattern.mask[i] & 0xff) return false;
  return true;
}

export function probeUdp(target: UdpTarget, options: UdpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(result(false, abortReason(signal), 'aborted before send', start));
    const sock = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.timeoutMs,
      onTimeout: () => (options.requireReply ? result(false, 'timeout', `no reply within ${options.timeoutMs} ms`, start) : result(true, 'ok', 'no reply, no ICMP error', start)),
      release: () => {
        try {
          sock.close();
        } catch {
          /* already closed */
        }
      },
    });
    sock.on('error', (err) => finish(result(false, socketErrorReason(err), errorDetail(err), start)));
    sock.on('message', (msg) => {
      const rr = options.requireReply;
      if (rr && typeof rr === 'object' && !udpReplyMatches(msg, rr, options.minReplyLength, options.maxReplyLength)) {
        return finish(result(false, 'status', `reply data mismatch (${msg.length} bytes)`, start));
      }
      finish(result(true, 'ok', `reply of ${msg.length} bytes`, start));
    });
    const go = () =>
      sock.connect(target.port, target.host, () =>
        sock.send(options.payload ?? Buffer.alloc(0), (err) => {
          if (err) finish(result(false, socketErrorReason(err), errorDetail(err), start));
        }),
      );
    if (options.localAddress) sock.bind({ address: options.localAddress, port: 0 }, go);
    else go();
  });
}
