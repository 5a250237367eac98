// The typed configuration model every other part of keepalived-ts works on. Values are the
// effective ones (defaults and global settings resolved by build.ts); durations carry their unit
// in the name. keepalived's spellings appear only in keywords.ts and json.ts.

export interface SourceRef {
  file: string;
  line: number;
}

/** A niche keyword we store but do not act on yet (status parsed-and-kept in keywords.ts). */
export interface KeptKeyword extends SourceRef {
  keyword: string;
  args: string[];
}

// Script-valued keywords (notify_*, quorum_up/down, notify_up/down) store the command line in
// FIELD and an optional `USER [GROUP]` written after it in FIELDUser.

export interface GlobalDefs {
  routerId?: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: { host: string; port: number };
  smtpConnectTimeoutMs: number;
  smtpHeloName?: string;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  checkerLogAllFailures: boolean;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  vrrpVersion: 2 | 3;
  vrrpGarpMasterDelayMs: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefreshMs: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelayMs: number;
  vrrpGarpLowerPrioRepeat: number;
  vrrpGarpIntervalMs: number;
  vrrpGnaIntervalMs: number;
  vrrpMinGarp: boolean;
  vrrpLowerPrioNoAdvert: boolean;
  /** Default of higherPrioSendAdvert: true in keepalived-ts, false in keepalived (see resolve-vrrp.ts). */
  vrrpHigherPrioSendAdvert: boolean;
  vrrpDownTimerAdverts: number;
  vrrpStrict: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpCheckUnicastSrc: boolean;
  vrrpNice?: number;
  checkerNice?: number;
  lvsFlush: boolean;
  lvsFlushOnStop?: string;
  scriptUser?: string[];
  enableScriptSecurity: boolean;
  notifyFifo?: string;
  notifyFifoScript?: string;
  vrrpNotifyFifo?: string;
  vrrpNotifyFifoScript?: string;
  lvsNotifyFifo?: string;
  lvsNotifyFifoScript?: string;
  vrrpNotifyPriorityChanges: boolean;
  dynamicInterfaces?: string;
  vrrpStartupDelayMs: number;
  defaultInterface?: string;
  logUnknownVrids: boolean;
  /** json_version: layout of keepalived.json (src/daemon/dumps.ts); absent = 1. */
  jsonVersion?: number;
  kept: KeptKeyword[];
}

export interface VrrpScript extends SourceRef {
  name: string;
  /** Command and its arguments as one string, exactly as written (quotes removed). */
  script: string;
  intervalMs: number;
  timeoutMs: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  user?: string[];
  initFail: boolean;
}

export interface TrackFile extends SourceRef {
  name: string;
  /** The tracked file's path (`file` keyword). */
  path: string;
  weight: number;
  weightReverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

/** One use of a tracker in an instance or sync group; weight and reverse already resolved. */
export interface TrackRef extends SourceRef {
  name: string;
  weight: number;
  reverse: boolean;
}

export interface Vip extends SourceRef {
  address: string;
  family: 4 | 6;
  prefix: number;
  dev?: string;
  label?: string;
  scope?: string;
  brd?: string;
  /** Options we parse but do not act on (peer, -nodad, no_track ...), as written. */
  options: string[];
}

/** A virtual_routes line (keepalived's `ip route`-like syntax), installed while MASTER. */
export interface VirtualRoute extends SourceRef {
  family: 4 | 6;
  /** iproute2 route type: unicast, or a type with no next hop. */
  type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  /** Destination prefix (`default` is 0.0.0.0/0 or ::/0). */
  dst: string;
  dstLen: number;
  /** Preferred source (`src`). */
  src?: string;
  /** Next hop (`via` / `gw`). */
  via?: string;
  dev?: string;
  /** Table number (names main/local/default resolved); undefined = main. */
  table?: number;
  metric?: number;
  /** Scope name or number as written; undefined = iproute2's default. */
  scope?: string;
  /** `no_track`: a deletion by someone else does not fault the instance (we never fault on it). */
  noTrack: boolean;
}

/** A virtual_rules line (keepalived's `ip rule`-like syntax), installed while MASTER. */
export interface VirtualRule extends SourceRef {
  family: 4 | 6;
  from?: { address: string; prefix: number };
  to?: { address: string; prefix: number };
  /** `table N`, or an action without a table. */
  action: 'table' | 'blackhole' | 'unreachable' | 'prohibit' | 'nop';
  table?: number;
  priority?: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  noTrack: boolean;
}

export interface UnicastPeer extends SourceRef {
  address: string;
  minTtl?: number;
  maxTtl?: number;
}

export interface Authentication {
  type: 'PASS' | 'AH';
  /** Truncated to 8 characters as keepalived does. Never printed by check-config. */
  pass?: string;
}

export interface VrrpInstance extends SourceRef {
  name: string;
  state: 'MASTER' | 'BACKUP';
  interface?: string;
  virtualRouterId: number;
  priority: number;
  advertIntervalMs: number;
  version: 2 | 3;
  nopreempt: boolean;
  preemptDelayMs: number;
  authentication?: Authentication;
  virtualIpaddress: Vip[];
  virtualIpaddressExcluded: Vip[];
  noVirtualIpaddress: boolean;
  virtualRoutes: string[][];
  virtualRules: string[][];
  /** virtual_routes / virtual_rules decoded (the string forms above are what check-config prints). */
  routes: VirtualRoute[];
  rules: VirtualRule[];
  promoteSecondaries: boolean;
  unicastSrcIp?: string;
  unicastPeer: UnicastPeer[];
  unicastTtl?: number;
  checkUnicastSrc: boolean;
  unicastFaultNoPeer: boolean;
  mcastSrcIp?: string;
  mcastDstIp?: string;
  trackSrcIp: boolean;
  dontTrackPrimary: boolean;
  /** keepalived-ts: the self-balancing DR tier (src/lvs/self-balance.ts). */
  lvsSelfBalancing: boolean;
  lvsSelfBalancingSetSysctl: boolean;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpMasterRefreshMs: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelayMs: number;
  garpLowerPrioRepeat: number;
  /** `use_vmac [NAME] [MAC]`: the macvlan carrying the VRRP virtual MAC (default name vrrp.VRID). */
  vmac?: { name: string; mac?: string };
  vmacXmitBase: boolean;
  /** RFC 5798 Accept_Mode, resolved from accept/no_accept and strict mode. */
  accept: boolean;
  noAccept?: boolean;
  skipCheckAdvAddr: boolean;
  strictMode: boolean;
  lowerPrioNoAdvert: boolean;
  /** A MASTER yielding to a higher-priority advert sends one advert of its own first. */
  higherPrioSendAdvert: boolean;
  downTimerAdverts: number;
  notifyMaster?: string;
  /** `USER [GROUP]` written after the notifyMaster command (default: global script_user). */
  notifyMasterUser?: string[];
  notifyBackup?: string;
  /** `USER [GROUP]` written after the notifyBackup command (default: global script_user). */
  notifyBackupUser?: string[];
  notifyFault?: string;
  /** `USER [GROUP]` written after the notifyFault command (default: global script_user). */
  notifyFaultUser?: string[];
  notifyStop?: string;
  /** `USER [GROUP]` written after the notifyStop command (default: global script_user). */
  notifyStopUser?: string[];
  notifyDeleted?: string;
  /** `USER [GROUP]` written after the notifyDeleted command (default: global script_user). */
  notifyDeletedUser?: string[];
  notify?: string;
  /** `USER [GROUP]` written after the notify command (default: global script_user). */
  notifyUser?: string[];
  notifyMasterRxLowerPri?: string;
  /** `USER [GROUP]` written after the notifyMasterRxLowerPri command (default: global script_user). */
  notifyMasterRxLowerPriUser?: string[];
  notifyPriorityChanges: boolean;
  smtpAlert: boolean;
  preempt?: boolean;
  /** Name of the sync group this instance belongs to. */
  syncGroup?: string;
  kept: KeptKeyword[];
}

export interface VrrpSyncGroup extends SourceRef {
  name: string;
  group: string[];
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  notifyMaster?: string;
  /** `USER [GROUP]` written after the notifyMaster command (default: global script_user). */
  notifyMasterUser?: string[];
  notifyBackup?: string;
  /** `USER [GROUP]` written after the notifyBackup command (default: global script_user). */
  notifyBackupUser?: string[];
  notifyFault?: string;
  /** `USER [GROUP]` written after the notifyFault command (default: global script_user). */
  notifyFaultUser?: string[];
  notifyStop?: string;
  /** `USER [GROUP]` written after the notifyStop command (default: global script_user). */
  notifyStopUser?: string[];
  notify?: string;
  /** `USER [GROUP]` written after the notify command (default: global script_user). */
  notifyUser?: string[];
  smtpAlert: boolean;
  notifyPriorityChanges: boolean;
  syncGroupTrackingWeight: boolean;
}

export type VsgMember =
  | ({ kind: 'address'; address: string; port?: number } & SourceRef)
  /** `a.b.c.d-e` (last octet/hextet range) or CIDR, kept as written with its expansion bounds. */
  | ({ kind: 'range'; first: string; last: string; text: string; port?: number } & SourceRef)
  | ({ kind: 'fwmark'; fwmark: number; family?: 'inet' | 'inet6' } & SourceRef);

export interface VirtualServerGroup extends SourceRef {
  name: string;
  members: VsgMember[];
}

import type { CheckerType } from './keywords.ts';
export type { CheckerType };

export interface HttpUrl extends SourceRef {
  path: string;
  digest?: string;
  /** Accepted status code ranges, inclusive; default [[200, 299]]. */
  statusCode: [number, number][];
  virtualhost?: string;
  kept: KeptKeyword[];
}

export interface Checker extends SourceRef {
  type: CheckerType;
  /** Effective values, inherited checker <- real_server <- virtual_server <- default. */
  delayLoopMs: number;
  connectTimeoutMs: number;
  retry: number;
  delayBeforeRetryMs: number;
  warmupMs: number;
  alpha: boolean;
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  logAllFailures?: boolean;
  // HTTP_GET / SSL_GET
  urls?: HttpUrl[];
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  fastRecovery?: boolean;
  enableSni?: boolean;
  sniName?: string;
  tlsCompliant?: boolean;
  // MISC_CHECK
  miscPath?: string;
  miscTimeoutMs?: number;
  miscDynamic?: boolean;
  user?: string[];
  // DNS_CHECK
  dnsType?: string;
  dnsName?: string;
  // SMTP_CHECK
  heloName?: string;
  kept: KeptKeyword[];
}

export interface RealServer extends SourceRef {
  address: string;
  port?: number;
  weight: number;
  inhibitOnFailure: boolean;
  notifyUp?: string;
  /** `USER [GROUP]` written after the notifyUp command (default: global script_user). */
  notifyUpUser?: string[];
  notifyDown?: string;
  /** `USER [GROUP]` written after the notifyDown command (default: global script_user). */
  notifyDownUser?: string[];
  uthreshold?: number;
  lthreshold?: number;
  virtualhost?: string;
  smtpAlert?: boolean;
  checkers: Checker[];
  kept: KeptKeyword[];
}

export interface VirtualServer extends SourceRef {
  address?: string;
  port?: number;
  fwmark?: number;
  group?: string;
  lbAlgo: string;
  lbKind: 'NAT' | 'DR' | 'TUN';
  /** Words after TUN (type ipip|gue|gre, port, csum options), as written. */
  tunnelOptions: string[];
  protocol: 'TCP' | 'UDP' | 'SCTP';
  persistenceTimeoutSec?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  quorum: number;
  hysteresis: number;
  quorumUp?: string;
  /** `USER [GROUP]` written after the quorumUp command (default: global script_user). */
  quorumUpUser?: string[];
  quorumDown?: string;
  /** `USER [GROUP]` written after the quorumDown command (default: global script_user). */
  quorumDownUser?: string[];
  alpha: boolean;
  omega: boolean;
  haSuspend: boolean;
  inhibitOnFailure: boolean;
  delayLoopMs: number;
  sorryServer?: { address: string; port?: number };
  sorryServerInhibit: boolean;
  virtualhost?: string;
  smtpAlert?: boolean;
  weight: number;
  ipFamily?: 'inet' | 'inet6';
  realServers: RealServer[];
  kept: KeptKeyword[];
}

export interface SslContext {
  kept: KeptKeyword[];
}

export interface Model {
  globalDefs: GlobalDefs;
  vrrpScripts: VrrpScript[];
  trackFiles: TrackFile[];
  vrrpInstances: VrrpInstance[];
  vrrpSyncGroups: VrrpSyncGroup[];
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
  staticIpaddress: string[][];
  staticRoutes: string[][];
  staticRules: string[][];
  /** static_routes / static_rules decoded (same syntax as virtual_routes / virtual_rules); set at start, removed at stop. */
  staticRouteList?: VirtualRoute[];
  staticRuleList?: VirtualRule[];
  ssl?: SslContext;
}
