// A minimal libpcap file reader for the golden VRRP captures: classic pcap (micro- or
// nanosecond magic, either byte order), link types Ethernet (1), Linux cooked (113) and raw IP
// (101). Returns the IP packets; ipPayload() splits off the IPv4/IPv6 header.
import { formatIp } from '../../../src/vrrp/addr.ts';

export interface IpPacket {
  family: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  protocol: number;
  payload: Uint8Array;
}

export function pcapPackets(file: Uint8Array): Uint8Array[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 24) throw new Error('pcap: short file header');
  const magic = dv.getUint32(0, true);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`pcap: bad magic ${magic.toString(16)}`);
  const linktype = dv.getUint32(20, le);
  const out: Uint8Array[] = [];
  let off = 24;
  for (let guard = 0; guard < 100_000 && off + 16 <= file.length; guard++) {
    const caplen = dv.getUint32(off + 8, le);
    const frame = file.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    if (linktype === 1) {
      if (frame.length < 14) continue;
      let etOff = 12;
      let et = (frame[etOff] << 8) | frame[etOff + 1];
      if (et === 0x8100) {
        etOff += 4;
        et = (frame[etOff] << 8) | frame[etOff + 1];
      }
      if (et === 0x0800 || et === 0x86dd) out.push(frame.subarray(etOff + 2));
    } else if (linktype === 113) {
      out.push(frame.subarray(16));
    } else if (linktype === 101) {
      out.push(frame);
    } else {
      throw new Error(`pcap: unsupported link type ${linktype}`);
    }
  }
  return out;
}

export function ipPayload(pkt: Uint8Array): IpPacket {
  const version = pkt[0] >> 4;
  if (version === 4) {
    const ihl = (pkt[0] & 0x0f) * 4;
    const total = (pkt[2] << 8) | pkt[3];
    return {
      family: 4,
      ttl: pkt[8],
      protocol: pkt[9],
      src: pkt.slice(12, 16),
      dst: pkt.slice(16, 20),
      payload: pkt.slice(ihl, total),
    };
  }
  if (version === 6) {
    const plen = (pkt[4] << 8) | pkt[5];
    return {
      family: 6,
      protocol: pkt[6],
      ttl: pkt[7],
      src: pkt.slice(8, 24),
      dst: pkt.slice(24, 40),
      payload: pkt.slice(40, 40 + plen),
    };
  }
  throw new Error(`not an IP packet (version ${version})`);
}

export interface GoldenAdvert {
  family: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  bytes: Uint8Array;
}

/** The .hex golden format: `# key value` header lines, then hex bytes (whitespace ignored). */
export function formatGolden(p: IpPacket, note: string): string {
  const hex = Buffer.from(p.payload).toString('hex');
  const lines = hex.match(/.{1,32}/g) ?? [];
  return (
    [
      `# ${note}`,
      `# family ${p.family}`,
      `# src ${formatIp(p.src)}`,
      `# dst ${formatIp(p.dst)}`,
      `# ttl ${p.ttl}`,
      ...lines.map((l) => l.replace(/(..)/g, '$1 ').trim()),
    ].join('\n') + '\n'
  );
}

export function parseGolden(text: string): GoldenAdvert {
  const meta = new Map<string, string>();
  let hex = '';
  for (const line of text.split('\n')) {
    const m = /^#\s*(family|src|dst|ttl)\s+(\S+)/.exec(line);
    if (m) meta.set(m[1], m[2]);
    else if (!line.startsWith('#')) hex += line.replace(/\s+/g, '');
  }
  const fam = Number(meta.get('family'));
  if (fam !== 4 && fam !== 6) throw new Error('golden: family missing');
  return {
    family: fam,
    src: meta.get('src') ?? '',
    dst: meta.get('dst') ?? '',
    ttl: Number(meta.get('ttl')),
    bytes: new Uint8Array(Buffer.from(hex, 'hex')),
  };
}
