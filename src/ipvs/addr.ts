// Addresses as IPVS carries them: always a 16-byte `union nf_inet_addr` slot in network order
// (an IPv4 address in the first 4 bytes, the rest zero), and printed the way ipvsadm prints them
// (glibc inet_ntop, including its dotted tail for IPv4-compatible and IPv4-mapped IPv6).
import { parseIpv4, parseIpv6 } from '../vrrp/addr.ts';
import { NetlinkDecodeError } from '../netlink/message.ts';
import type { IpvsFamily } from './types.ts';

export class IpvsAddressError extends RangeError {
  readonly code = 'ERR_IPVS_ADDRESS';
  constructor(message: string) {
    super(message);
    this.name = 'IpvsAddressError';
  }
}

/** Text to the bytes the kernel expects for the family: 4 for inet, 16 for inet6. */
export function addrBytes(af: IpvsFamily, text: string): Buffer {
  const b = af === 'inet' ? parseIpv4(text) : parseIpv6(text);
  if (!b) throw new IpvsAddressError(`not an ${af === 'inet' ? 'IPv4' : 'IPv6'} address: ${JSON.stringify(text)}`);
  return Buffer.from(b);
}

/** Family a text address belongs to, or undefined. */
export function familyOfText(text: string): IpvsFamily | undefined {
  if (parseIpv4(text)) return 'inet';
  if (parseIpv6(text)) return 'inet6';
  return undefined;
}

/** Kernel bytes (4 or 16, v4 in the first 4 of 16) to text. */
export function addrText(af: IpvsFamily, b: Buffer): string {
  if (af === 'inet') {
    if (b.length < 4) throw new NetlinkDecodeError(`IPv4 address attribute has ${b.length} bytes`);
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  }
  if (b.length < 16) throw new NetlinkDecodeError(`IPv6 address attribute has ${b.length} bytes`);
  return ntop6(b.subarray(0, 16));
}

/**
 * glibc's inet_ntop for AF_INET6: lowercase hex without leading zeros, the longest run of two or
 * more zero groups (the first on a tie) as `::`, and a dotted IPv4 tail for ::a.b.c.d
 * (IPv4-compatible, not ::1) and ::ffff:a.b.c.d (IPv4-mapped), as ipvsadm shows them.
 */
export function ntop6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i] << 8) | b[2 * i + 1]);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 7 && g[7] !== 0x0001) || (bestLen === 5 && g[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += g[i].toString(16);
  }
  if (best >= 0 && best + bestLen === 8) out += ':';
  return out;
}

/** Canonical text (parse, then print as ipvsadm would) so equal addresses compare equal. */
export function canonicalAddr(af: IpvsFamily, text: string): string {
  return addrText(af, addrBytes(af, text));
}

/** IPv4 prefix length to the mask ipvsadm sends (network-order bytes). */
export function v4MaskBytes(prefix: number): Buffer {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new IpvsAddressError(`IPv4 netmask prefix ${prefix} out of 0..32`);
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(m, 0);
  return b;
}

/** Network-order mask bytes to a prefix length (leading one bits; a non-contiguous mask is cut at its first zero). */
export function v4MaskPrefix(b: Buffer): number {
  const m = b.readUInt32BE(0);
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n++;
  return n;
}
