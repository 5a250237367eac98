// The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 sums over (RFC 5798 §5.2.8:
// "the 16-bit one's complement of the one's complement sum of the entire VRRP message starting
// with the version field and a 'pseudo-header' as defined in Section 8.1 of [RFC2460]"; for
// IPv4 the pseudo-header is the one of RFC 768 with protocol 112). VRRPv2 (RFC 3768 §5.3.8)
// sums over the VRRP message only.

import type { IpBytes } from './addr.ts';

/** IP protocol number of VRRP (RFC 5798 §5.1.1.4 / §5.1.2.3). */
export const IPPROTO_VRRP = 112;

/** One's complement sum of `data` added to `acc` (not yet folded or complemented). */
function sum16(data: Uint8Array, acc: number): number {
  let s = acc;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) s += (data[i] << 8) | data[i + 1];
  if (data.length & 1) s += data[data.length - 1] << 8;
  return s;
}

/** RFC 1071 checksum over the concatenation of `parts` (each part summed as if contiguous, even lengths). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let s = 0;
  for (const p of parts) s = sum16(p, s);
  for (let guard = 0; guard < 4 && s > 0xffff; guard++) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * The pseudo-header for a VRRP message of `lengthBytes`: RFC 768 layout for IPv4 (src, dst,
 * zero, protocol, 16-bit length), RFC 2460 §8.1 for IPv6 (src, dst, 32-bit length, 3 zero bytes,
 * next header). Returns an empty array when the addresses are not both 4 or both 16 bytes.
 */
export function pseudoHeader(src: IpBytes, dst: IpBytes, lengthBytes: number): Uint8Array {
  if (src.length === 4 && dst.length === 4) {
    const h = new Uint8Array(12);
    h.set(src, 0);
    h.set(dst, 4);
    h[9] = IPPROTO_VRRP;
    h[10] = (lengthBytes >> 8) & 0xff;
    h[11] = lengthBytes & 0xff;
    return h;
  }
  if (src.length === 16 && dst.length === 16) {
    const h = new Uint8Array(40);
    h.set(src, 0);
    h.set(dst, 16);
    h[34] = (lengthBytes >> 8) & 0xff;
    h[35] = lengthBytes & 0xff;
    h[39] = IPPROTO_VRRP;
    return h;
  }
  return new Uint8Array(0);
}
