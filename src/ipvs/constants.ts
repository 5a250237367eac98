// Numbers of the IPVS generic-netlink family, from the kernel's include/uapi/linux/ip_vs.h
// (enum IPVS_CMD_*, IPVS_CMD_ATTR_*, IPVS_SVC_ATTR_*, IPVS_DEST_ATTR_*, IPVS_DAEMON_ATTR_*,
// IPVS_STATS_ATTR_*, IPVS_INFO_ATTR_*) and include/uapi/linux/in.h / socket.h for the
// address-family and protocol numbers. Plain `as const` objects: no TypeScript enums.

/** Generic netlink family name; its id is dynamic and resolved with CTRL_CMD_GETFAMILY. */
export const IPVS_GENL_NAME = 'IPVS';
/** IPVS_GENL_VERSION: the genl header's version byte. */
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  /** The reply command of GET_INFO. */
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

/** Top-level attributes of every IPVS message. */
export const IPVS_CMD_ATTR = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

export const IPVS_SVC_ATTR = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

export const IPVS_DEST_ATTR = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

export const IPVS_DAEMON_ATTR = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

export const IPVS_STATS_ATTR = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
  /** Zero-length padding the kernel's nla_put_u64_64bit may insert: skipped. */
  PAD: 11,
} as const;

export const IPVS_INFO_ATTR = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** IP_VS_SVC_F_*: virtual service flags (struct ip_vs_flags.flags). */
export const IP_VS_SVC_F = {
  PERSISTENT: 0x0001,
  /** Kernel-internal: set on every service in the hash table; ignored when comparing. */
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
  /** Aliases the sh and mh schedulers give SCHED1/SCHED2 (ipvsadm -b sh-fallback,sh-port). */
  SCHED_SH_FALLBACK: 0x0008,
  SCHED_SH_PORT: 0x0010,
  SCHED_MH_FALLBACK: 0x0008,
  SCHED_MH_PORT: 0x0010,
} as const;

/** IP_VS_CONN_F_FWD_MASK values (IPVS_DEST_ATTR_FWD_METHOD). */
export const IP_VS_CONN_F_FWD = {
  MASQ: 0,
  LOCALNODE: 1,
  TUNNEL: 2,
  DROUTE: 3,
  BYPASS: 4,
} as const;
export const IP_VS_CONN_F_FWD_MASK = 0x0007;

/** IP_VS_CONN_F_TUNNEL_TYPE_* (kernel 5.2+). */
export const IP_VS_TUNNEL_TYPE = { IPIP: 0, GUE: 1, GRE: 2 } as const;
/** IP_VS_TUNNEL_ENCAP_FLAG_* (kernel 5.3+). */
export const IP_VS_TUNNEL_ENCAP_FLAG = { NOCSUM: 0, CSUM: 0x1, REMCSUM: 0x2 } as const;

/** IP_VS_STATE_*: sync daemon roles. */
export const IP_VS_STATE = { NONE: 0, MASTER: 1, BACKUP: 2 } as const;

/** Buffer sizes in ip_vs.h: names longer than size-1 are refused by the kernel's policy. */
export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 32;
export const IP_VS_IFNAME_MAXLEN = 16;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** The kernel's IP_VS_VERSION_CODE packs major.minor.patch as 0x00MMmmpp. */
export function versionString(code: number): string {
  return `${(code >>> 16) & 0xff}.${(code >>> 8) & 0xff}.${code & 0xff}`;
}
