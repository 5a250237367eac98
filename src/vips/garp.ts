// Gratuitous ARP for an IPv4 VIP (RFC 826 packet format, RFC 5227 §3 / RFC 5798 §6.4.2 use: "for
// each IP address associated with the virtual router, broadcast a gratuitous ARP request
// containing the virtual router MAC address"). Built as keepalived builds it: Ethernet broadcast,
// ARP request (op 1) with sender hardware = interface MAC, sender IP = target IP = VIP and target
// hardware ff:ff:ff:ff:ff:ff. 42 bytes; the NIC pads to the 60-byte Ethernet minimum.
import { ARPHRD_ETHER, ETH_ALEN, ETH_P_ARP, ETH_P_IP } from '../native/constants.ts';
import { BROADCAST_MAC, checkMac, ETH_HLEN, FrameError, writeEthernet } from './frames.ts';
import type { FrameSender } from './frames.ts';

export const ARP_LEN = 28;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
export const GARP_FRAME_LEN = ETH_HLEN + ARP_LEN;

/** The complete gratuitous ARP frame for `vip` (4 bytes) announced from `mac` (6 bytes). */
export function encodeGarp(mac: Uint8Array, vip: Uint8Array): Buffer {
  return encodeArpRequest(mac, vip, BROADCAST_MAC, vip);
}

/**
 * A broadcast Ethernet/IPv4 ARP request from `mac`: the gratuitous ARP above, and the ARP probe of
 * claim-probe.ts (sender IP 0.0.0.0, target MAC zero). `targetIp` is the VIP.
 */
export function encodeArpRequest(mac: Uint8Array, senderIp: Uint8Array, targetMac: Uint8Array, targetIp: Uint8Array): Buffer {
  checkMac(mac, 'interface MAC');
  if (targetIp.length !== 4) throw new FrameError(`IPv4 VIP must be 4 bytes, got ${targetIp.length}`);
  const b = Buffer.alloc(GARP_FRAME_LEN);
  writeEthernet(b, 0, BROADCAST_MAC, mac, ETH_P_ARP);
  const o = ETH_HLEN;
  b.writeUInt16BE(ARPHRD_ETHER, o); // hardware type
  b.writeUInt16BE(ETH_P_IP, o + 2); // protocol type
  b.writeUInt8(ETH_ALEN, o + 4); // hardware length
  b.writeUInt8(4, o + 5); // protocol length
  b.writeUInt16BE(ARPOP_REQUEST, o + 6);
  b.set(mac, o + 8); // sender hardware address
  b.set(senderIp, o + 14); // sender protocol address
  b.set(targetMac, o + 18); // target hardware address
  b.set(targetIp, o + 24); // target protocol address
  return b;
}

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: Uint8Array;
  targetMac: Uint8Array;
  targetIp: Uint8Array;
}

/** Decodes an Ethernet/IPv4 ARP packet (without the Ethernet header). Throws FrameError. */
export function decodeArp(b: Uint8Array): ArpPacket {
  if (b.length < ARP_LEN) throw new FrameError(`ARP packet of ${b.length} bytes, need ${ARP_LEN}`);
  const v = Buffer.from(b.buffer, b.byteOffset, b.length);
  if (v.readUInt16BE(0) !== ARPHRD_ETHER || v.readUInt16BE(2) !== ETH_P_IP || v[4] !== 6 || v[5] !== 4) {
    throw new FrameError('not an Ethernet/IPv4 ARP packet');
  }
  return {
    op: v.readUInt16BE(6),
    senderMac: Uint8Array.from(v.subarray(8, 14)),
    senderIp: Uint8Array.from(v.subarray(14, 18)),
    targetMac: Uint8Array.from(v.subarray(18, 24)),
    targetIp: Uint8Array.from(v.subarray(24, 28)),
  };
}

/** True for a gratuitous ARP: sender IP equals target IP. */
export function isGratuitous(p: ArpPacket): boolean {
  return Buffer.from(p.senderIp).equals(Buffer.from(p.targetIp));
}

/** Sends one gratuitous ARP for `vip` through `sender`. Throws a SysError. */
export function sendGarp(sender: FrameSender, mac: Uint8Array, vip: Uint8Array): number {
  return sender.send(encodeGarp(mac, vip));
}
