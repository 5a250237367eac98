// Probes that make a host already holding a VIP say so: the yielding or stopping master sends them
// once its claim watcher (claim-watch.ts) is listening, so a new master whose GARP went out before
// the watcher's socket was bound (a loaded host can take longer than the new master's advert-to-GARP
// gap) is still heard at once instead of after the 200 ms grace time. Both are address-conflict
// probes that change no one's neighbour cache:
//   - IPv4: an ARP probe (RFC 5227 §2.1.1: ARP request, sender IP 0.0.0.0, target IP the VIP). A
//     Linux holder answers with an ARP reply whose sender IP is the VIP (arp_process, sip == 0).
//   - IPv6: a DAD neighbour solicitation (RFC 4862 §5.4.2: from ::, to the VIP's solicited-node
//     group, hop limit 255, no link-layer option). A holder answers with a neighbour advertisement
//     for the VIP to all-nodes (RFC 4862 §5.4.3 / ndisc_recv_ns).
// Either answer is a claim to isClaim(): an ARP with the VIP as sender, an NA with the VIP as target.
import { ETH_P_IPV6, IPPROTO_ICMPV6 } from '../native/constants.ts';
import { checkMac, ETH_HLEN, FrameError, IPV6_HLEN, ipv6MulticastMac, ipv6PseudoChecksum, writeEthernet, writeIpv6Header } from './frames.ts';
import { encodeArpRequest } from './garp.ts';

export const ND_NEIGHBOR_SOLICIT = 135;
/** ICMPv6 NS without options: type, code, checksum, reserved (8) + target (16). */
export const NS_LEN = 24;

/** The ARP probe frame asking who holds `vip` (4 bytes), from `mac`. */
export function encodeArpProbe(mac: Uint8Array, vip: Uint8Array): Buffer {
  return encodeArpRequest(mac, new Uint8Array(4), new Uint8Array(6), vip);
}

/** RFC 4291 §2.7.1: ff02::1:ffXX:XXXX from the last 24 bits of `addr`. */
export function solicitedNode(addr: Uint8Array): Uint8Array {
  if (addr.length !== 16) throw new FrameError(`IPv6 address must be 16 bytes, got ${addr.length}`);
  return Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, addr[13], addr[14], addr[15]);
}

/** The DAD neighbour solicitation frame for `vip` (16 bytes), from `mac`. */
export function encodeDadNs(mac: Uint8Array, vip: Uint8Array): Buffer {
  checkMac(mac, 'interface MAC');
  if (vip.length !== 16) throw new FrameError(`IPv6 VIP must be 16 bytes, got ${vip.length}`);
  const group = solicitedNode(vip);
  const unspecified = new Uint8Array(16);
  const b = Buffer.alloc(ETH_HLEN + IPV6_HLEN + NS_LEN);
  writeEthernet(b, 0, ipv6MulticastMac(group), mac, ETH_P_IPV6);
  writeIpv6Header(b, ETH_HLEN, { payloadLength: NS_LEN, nextHeader: IPPROTO_ICMPV6, hopLimit: 255, src: unspecified, dst: group });
  const o = ETH_HLEN + IPV6_HLEN;
  b.writeUInt8(ND_NEIGHBOR_SOLICIT, o);
  b.set(vip, o + 8); // target address
  b.writeUInt16BE(ipv6PseudoChecksum(unspecified, group, IPPROTO_ICMPV6, b.subarray(o, o + NS_LEN)), o + 2);
  return b;
}
