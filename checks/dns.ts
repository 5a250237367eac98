// DNS_CHECK over UDP (keepalived/check/check_dns.c).
// Query: random id, RD set, one question `name` (default "."), `type` (default SOA), class IN.
// Reply handling as dns_recv_thread: a datagram shorter than the header, with another id, or
// without QR is ignored and the wait goes on (so garbage alone ends in a timeout; we report it
// as 'malformed' when that is all we got); RCODE != 0 is a failure ('dns_rcode'); otherwise
// success (keepalived does not look at ANCOUNT). An ICMP port unreachable on the connected socket
// is 'refused'.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import type { ProbeResult } from './types.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason } from './types.ts';

export const DNS_TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };
export const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export interface DnsTarget {
  host: string;
  port: number; // default 53
}

export interface DnsOptions {
  /** A|NS|CNAME|SOA|MX|TXT|AAAA (default SOA, unknown => SOA as keepalived). */
  type?: string;
  /** default "." */
  name?: string;
  /** connect_timeout */
  timeoutMs: number;
  localAddress?: string;
}

/** Encodes the query (header + one question). */
export function encodeDnsQuery(id: number, name: string, type: number): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  parts.push(header);
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length === 0 || b.length > 63) throw new Error(`bad DNS label in '${name}'`);
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt8(0, 0);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3); // IN
  parts.push(tail);
  return Buffer.concat(parts);
}

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export function decodeDnsHeader(buf: Buffer): DnsHeader | null {
  if (buf.length < 12) return null;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

export function probeDns(target: DnsTarget, options: DnsOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(result(false, abortReason(signal), 'aborted before send', start));
    const type = DNS_TYPES[(options.type ?? 'SOA').toUpperCase()] ?? DNS_TYPES.SOA;
    const id = randomInt(0, 0x10000);
    let query: Buffer;
    try {
      query = encodeDnsQuery(id, options.name ?? '.', type);
    } catch (err) {
      return resolve(result(false, 'error', errorDetail(err), start));
    }
    const sock: Socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    let ignored = '';
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.timeoutMs,
      onTimeout: () => result(false, ignored ? 'malformed' : 'timeout', ignored ? `no valid reply within ${options.timeoutMs} ms (ignored: ${ignored})` : `read timeout after ${options.timeoutMs} ms`, start),
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
      const h = decodeDnsHeader(msg);
      if (!h) {
        ignored = `too small message (${msg.length} bytes)`;
        return;
      }
      if (h.id !== id) {
        ignored = `ID does not match (${h.id.toString(16)} != ${id.toString(16)})`;
        return;
      }
      if (!h.qr) {
        ignored = 'query message received';
        return;
      }
      if (h.rcode !== 0) return finish(result(false, 'dns_rcode', `error occurred (rcode = ${h.rcode} ${RCODE_NAMES[h.rcode] ?? ''})`.trim(), start));
      finish(result(true, 'ok', `rcode 0, ${h.ancount} answers`, start));
    });
    const go = () =>
      sock.connect(target.port, target.host, () => {
        sock.send(query, (err) => {
          if (err) finish(result(false, socketErrorReason(err), errorDetail(err), start));
        });
      });
    if (options.localAddress) sock.bind({ address: options.localAddress, port: 0 }, go);
    else go();
  });
}
