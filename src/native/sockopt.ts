// Socket option values as bytes (pure). Layouts from linux/in.h (struct ip_mreqn { in_addr
// imr_multiaddr; in_addr imr_address; int imr_ifindex } = 12 bytes), linux/in6.h (struct ipv6_mreq
// { in6_addr multiaddr; int ifindex } = 20 bytes), linux/if_packet.h (struct packet_mreq { int
// ifindex; u16 type; u16 alen; u8 address[8] } = 16 bytes). Integers are host-order C ints.

export function intOpt(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

export function readIntOpt(b: Buffer): number {
  if (b.length >= 4) return b.readInt32LE(0);
  if (b.length === 1) return b.readUInt8(0);
  throw new RangeError(`int socket option of ${b.length} bytes`);
}

/** IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP / IP_MULTICAST_IF with an interface index. */
export function ipMreqn(group: Uint8Array, ifindex: number, local: Uint8Array = new Uint8Array(4)): Buffer {
  if (group.length !== 4 || local.length !== 4) throw new RangeError('ip_mreqn addresses must be 4 bytes');
  const b = Buffer.alloc(12);
  b.set(group, 0);
  b.set(local, 4);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP. */
export function ipv6Mreq(group: Uint8Array, ifindex: number): Buffer {
  if (group.length !== 16) throw new RangeError('ipv6_mreq group must be 16 bytes');
  const b = Buffer.alloc(20);
  b.set(group, 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

/** PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP (type PACKET_MR_*). */
export function packetMreq(ifindex: number, type: number, address: Uint8Array = new Uint8Array(0)): Buffer {
  if (address.length > 8) throw new RangeError('packet_mreq address longer than 8 bytes');
  const b = Buffer.alloc(16);
  b.writeInt32LE(ifindex, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(address.length, 6);
  b.set(address, 8);
  return b;
}

/** SO_BINDTODEVICE takes the interface name (NUL-terminated is accepted). */
export function ifnameOpt(name: string): Buffer {
  if (Buffer.byteLength(name) > 15) throw new RangeError(`interface name ${JSON.stringify(name)} longer than 15 bytes`);
  return Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0])]);
}
