// Linux socket constants used by keepalived-ts. Values are those of the Linux UAPI headers and are
// identical on x86_64 and arm64 (both use the generic asm/socket.h values quoted here).
// Sources: linux/socket.h, asm-generic/socket.h, linux/in.h, linux/in6.h, linux/if_packet.h,
// linux/if_ether.h, linux/netlink.h, linux/sched.h.

// Address families (linux/socket.h)
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

// Socket types (linux/net.h); SOCK_NONBLOCK|SOCK_CLOEXEC are always added by the addon.
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

// Option levels
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_IPV6 = 41;
export const SOL_PACKET = 263;
export const SOL_NETLINK = 270;
export const IPPROTO_IP = 0;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_RAW = 255;
/** VRRP (RFC 5798 §5.1.1.4 / §5.2.4: "The IPv4/IPv6 protocol number assigned by the IANA for VRRP is 112"). */
export const IPPROTO_VRRP = 112;

// SOL_SOCKET options (asm-generic/socket.h)
export const SO_REUSEADDR = 2;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_PRIORITY = 12;
export const SO_BINDTODEVICE = 25;
export const SO_TIMESTAMP = 29;
/** SO_TIMESTAMPNS_OLD: a struct timespec (CLOCK_REALTIME) per datagram; also its cmsg type. */
export const SO_TIMESTAMPNS = 35;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_MARK = 36;
export const SO_RXQ_OVFL = 40;

// IPPROTO_IP options (linux/in.h)
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_OPTIONS = 4;
export const IP_PKTINFO = 8;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_MULTICAST_ALL = 49;

// IPPROTO_IPV6 options (linux/in6.h, linux/ipv6.h)
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
/** Same value as IPV6_ADD_MEMBERSHIP: the glibc name. */
export const IPV6_JOIN_GROUP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_MULTICAST_ALL = 29;

// ICMPv6 socket option (linux/icmpv6.h)
export const ICMPV6_FILTER = 1;

// AF_PACKET (linux/if_packet.h)
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;
export const PACKET_ADD_MEMBERSHIP = 1;
export const PACKET_DROP_MEMBERSHIP = 2;
export const PACKET_AUXDATA = 8;
export const PACKET_MR_MULTICAST = 0;
export const PACKET_MR_PROMISC = 1;
export const PACKET_MR_ALLMULTI = 2;

// Ethertypes (linux/if_ether.h), host values; sockaddr_ll and socket() want them in network order.
export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_ALEN = 6;
export const ARPHRD_ETHER = 1;

// AF_NETLINK protocols (linux/netlink.h)
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
// SOL_NETLINK options
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

// send/recv flags (linux/socket.h)
export const MSG_PEEK = 0x2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;

// setns(2) namespace types (linux/sched.h)
export const CLONE_NEWNET = 0x40000000;

/** htons for ethertypes passed to socket(AF_PACKET, ..., protocol). */
export function htons(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}
