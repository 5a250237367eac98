// The single keepalived-keyword table: for every block kind, each keyword keepalived 2.2.7
// accepts there, how many words it takes, how its value is read, which model field it fills,
// whether we implement it, and which old spelling maps onto it. The builder (build.ts) reads
// values through this table, the JSON view (json.ts) writes them back under the same keyword,
// and scripts/gen-config-reference.ts prints it as the compatibility list (docs/config-reference.md).
//
// Keyword names and ranges follow keepalived's parsers (keepalived/vrrp/vrrp_parser.c,
// keepalived/check/check_parser.c, keepalived/core/global_parser.c) and keepalived.conf(5);
// the ranges were cross-checked with `keepalived -t` 2.2.7.

export type Status = 'supported' | 'parsed-and-kept' | 'not-supported-yet';

export type BlockKind =
  | 'root'
  | 'global_defs'
  | 'vrrp_script'
  | 'track_file'
  | 'vrrp_instance'
  | 'authentication'
  | 'vrrp_sync_group'
  | 'virtual_server_group'
  | 'virtual_server'
  | 'real_server'
  | 'url'
  | 'SSL'
  | CheckerType;

export type CheckerType =
  | 'HTTP_GET'
  | 'SSL_GET'
  | 'TCP_CHECK'
  | 'MISC_CHECK'
  | 'DNS_CHECK'
  | 'SMTP_CHECK'
  | 'UDP_CHECK'
  | 'PING_CHECK'
  | 'FILE_CHECK';

export const checkerTypes: readonly CheckerType[] = [
  'HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'MISC_CHECK', 'DNS_CHECK', 'SMTP_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK',
];

/** How the words after a keyword are read. */
export type ValueKind =
  /** Bare keyword means true; an optional on|off|true|false|yes|no word sets it explicitly. */
  | { type: 'flag' }
  | { type: 'int'; min: number; max: number }
  /** keepalived TIMER: seconds, fractions allowed; stored in milliseconds (field ends in Ms). */
  | { type: 'seconds'; min: number; max: number }
  /** Exactly one word. */
  | { type: 'string' }
  /** One or more words up to the next keyword of the block (scripts with arguments, user GROUP). */
  | { type: 'words' }
  /** A script to run: `"COMMAND ARGS" [USER [GROUP]]` (quote the command when it has arguments). */
  | { type: 'script' }
  /** One IPv4 or IPv6 address. */
  | { type: 'ip' }
  | { type: 'enum'; values: readonly string[] }
  /** `weight N [reverse|noreverse]` as in vrrp_script / track_file. */
  | { type: 'weight'; min: number; max: number }
  /** A block whose lines are plain values (notification_email, group). */
  | { type: 'list' }
  /** A block of raw lines kept verbatim (virtual_routes, static_ipaddress ...). */
  | { type: 'lines' }
  /** A block with its own keyword table; `args` bounds the words on the opening line. */
  | { type: 'block'; block: BlockKind; args: readonly [number, number] }
  /** Decoded by a dedicated function in build.ts (VIP lines, tracker lines, addresses with port ...). */
  | { type: 'custom'; args: readonly [number, number]; block?: boolean };

export interface KeywordSpec {
  keyword: string;
  value: ValueKind;
  /** Model field the value lands in (units in the name). Empty for aliases. */
  field: string;
  status: Status;
  description: string;
  /** Deprecated spelling: the keyword it now means. */
  aliasOf?: string;
  /** Supported, but its words are stored as written (model `kept`) for the code that acts on them. */
  keptWords?: boolean;
}

type Opt = { status?: Status; aliasOf?: string; keptWords?: boolean };

function kw(keyword: string, value: ValueKind, field: string, description: string, opt: Opt = {}): KeywordSpec {
  return { keyword, value, field, description, status: opt.status ?? 'supported', aliasOf: opt.aliasOf, ...(opt.keptWords ? { keptWords: true } : {}) };
}
function alias(keyword: string, target: string, value: ValueKind): KeywordSpec {
  return { keyword, value, field: '', description: `deprecated spelling of ${target}`, status: 'supported', aliasOf: target };
}
/** Niche keyword: its words are stored (model `kept`) and printed back, but nothing acts on them yet. */
function kept(keyword: string, args: readonly [number, number], description: string): KeywordSpec {
  return kw(keyword, { type: 'custom', args }, '', description, { status: 'parsed-and-kept' });
}
/** Niche keyword we refuse with "'KW' is not supported yet" rather than silently ignore. */
function nsy(keyword: string, description: string, block = false): KeywordSpec {
  return kw(keyword, { type: 'custom', args: [0, Infinity], block }, '', description, { status: 'not-supported-yet' });
}

const flag: ValueKind = { type: 'flag' };
const str: ValueKind = { type: 'string' };
const words: ValueKind = { type: 'words' };
const script: ValueKind = { type: 'script' };
const ip: ValueKind = { type: 'ip' };
const int = (min: number, max: number): ValueKind => ({ type: 'int', min, max });
const secs = (min: number, max: number): ValueKind => ({ type: 'seconds', min, max });
const UINT = 4294967295;
const INT_MAX = 2147483647;
const DAY = 86400;

/** Kernel IPVS schedulers keepalived knows (check_parser.c lvs_schedulers). */
export const lvsSchedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export const lvsMethods = ['NAT', 'DR', 'TUN'] as const;

// ---------------------------------------------------------------- top level
const root: KeywordSpec[] = [
  kw('global_defs', { type: 'block', block: 'global_defs', args: [0, 0] }, 'globalDefs', 'daemon-wide settings'),
  kw('vrrp_script', { type: 'block', block: 'vrrp_script', args: [1, 1] }, 'vrrpScripts', 'a script whose result tracks instance priority'),
  kw('track_file', { type: 'block', block: 'track_file', args: [1, 1] }, 'trackFiles', 'a file whose number tracks instance priority'),
  alias('vrrp_track_file', 'track_file', { type: 'block', block: 'track_file', args: [1, 1] }),
  kw('vrrp_instance', { type: 'block', block: 'vrrp_instance', args: [1, 1] }, 'vrrpInstances', 'a VRRP virtual router'),
  kw('vrrp_sync_group', { type: 'block', block: 'vrrp_sync_group', args: [1, 1] }, 'vrrpSyncGroups', 'instances that change state together'),
  kw('virtual_server_group', { type: 'block', block: 'virtual_server_group', args: [1, 1] }, 'virtualServerGroups', 'addresses/ranges/fwmarks sharing one virtual_server'),
  kw('virtual_server', { type: 'block', block: 'virtual_server', args: [1, 2] }, 'virtualServers', 'an IPVS service: `IP PORT`, `IP` (persistent), `fwmark N` or `group NAME`'),
  kw('static_ipaddress', { type: 'lines' }, 'staticIpaddress', 'addresses set at start and never moved (ip addr syntax), kept', { status: 'parsed-and-kept' }),
  kw('static_routes', { type: 'lines' }, 'staticRoutes', 'routes added at start and removed at stop, whatever the VRRP state (virtual_routes syntax)'),
  kw('static_rules', { type: 'lines' }, 'staticRules', 'policy rules added at start and removed at stop (virtual_rules syntax)'),
  kw('SSL', { type: 'block', block: 'SSL', args: [0, 0] }, 'ssl', 'client certificate context for SSL_GET', { status: 'parsed-and-kept' }),
  nsy('vrrp_track_process', 'process-count tracker (proc connector)', true),
  nsy('bfd_instance', 'BFD session', true),
  nsy('track_group', 'group of instances for static addresses', true),
  nsy('garp_group', 'GARP interval per interface group', true),
  nsy('interface_up_down_delays', 'link flap debounce per interface', true),
];

// ---------------------------------------------------------------- global_defs
const globalDefs: KeywordSpec[] = [
  kw('router_id', str, 'routerId', 'name of this node in alerts'),
  kw('notification_email', { type: 'list' }, 'notificationEmail', 'SMTP alert recipients (one per line)'),
  kw('notification_email_from', str, 'notificationEmailFrom', 'From: address of alerts'),
  kw('smtp_server', { type: 'custom', args: [1, 2] }, 'smtpServer', 'SMTP relay `HOST [PORT]` (port 25)'),
  kw('smtp_connect_timeout', secs(1, DAY), 'smtpConnectTimeoutMs', 'SMTP connect timeout (30)'),
  kw('smtp_helo_name', str, 'smtpHeloName', 'HELO name (host name)'),
  kw('smtp_alert', flag, 'smtpAlert', 'default for per-object smtp_alert'),
  kw('smtp_alert_vrrp', flag, 'smtpAlertVrrp', 'default smtp_alert for VRRP objects'),
  kw('smtp_alert_checker', flag, 'smtpAlertChecker', 'default smtp_alert for checkers'),
  kw('no_email_faults', flag, 'noEmailFaults', 'no mail on FAULT transitions'),
  kw('checker_log_all_failures', flag, 'checkerLogAllFailures', 'log every failed check'),
  kw('vrrp_mcast_group4', ip, 'vrrpMcastGroup4', 'IPv4 advert group (224.0.0.18)'),
  kw('vrrp_mcast_group6', ip, 'vrrpMcastGroup6', 'IPv6 advert group (ff02::12)'),
  kw('vrrp_version', int(2, 3), 'vrrpVersion', 'default VRRP version (2)'),
  kw('vrrp_garp_master_delay', secs(0, DAY), 'vrrpGarpMasterDelayMs', 'delay of the second GARP burst (5)'),
  kw('vrrp_garp_master_repeat', int(0, INT_MAX), 'vrrpGarpMasterRepeat', 'GARPs per VIP per burst (5)'),
  kw('vrrp_garp_master_refresh', secs(0, DAY), 'vrrpGarpMasterRefreshMs', 'periodic GARP while MASTER (0 = off)'),
  kw('vrrp_garp_master_refresh_repeat', int(0, INT_MAX), 'vrrpGarpMasterRefreshRepeat', 'GARPs per refresh (1)'),
  kw('vrrp_garp_lower_prio_delay', secs(0, DAY), 'vrrpGarpLowerPrioDelayMs', 'GARP delay after a lower advert (= master delay)'),
  kw('vrrp_garp_lower_prio_repeat', int(0, INT_MAX), 'vrrpGarpLowerPrioRepeat', 'GARPs after a lower advert (= master repeat)'),
  kw('vrrp_garp_interval', secs(0, 1), 'vrrpGarpIntervalMs', 'gap between GARP packets (0)'),
  kw('vrrp_gna_interval', secs(0, 1), 'vrrpGnaIntervalMs', 'gap between unsolicited NA packets (0)'),
  kw('vrrp_min_garp', flag, 'vrrpMinGarp', 'one GARP, no second burst, no refresh'),
  kw('vrrp_lower_prio_no_advert', flag, 'vrrpLowerPrioNoAdvert', 'default lower_prio_no_advert'),
  kw('vrrp_higher_prio_send_advert', flag, 'vrrpHigherPrioSendAdvert', 'default higher_prio_send_advert: on in keepalived-ts (keepalived: off); `vrrp_higher_prio_send_advert false` restores keepalived\'s'),
  kw('vrrp_down_timer_adverts', int(1, 100), 'vrrpDownTimerAdverts', 'adverts missed before master down (3)'),
  kw('vrrp_strict', flag, 'vrrpStrict', 'strict RFC mode for every instance'),
  kw('vrrp_skip_check_adv_addr', flag, 'vrrpSkipCheckAdvAddr', 'default skip_check_adv_addr'),
  kw('vrrp_check_unicast_src', flag, 'vrrpCheckUnicastSrc', 'accept unicast adverts only from peers'),
  kw('vrrp_priority', int(-20, 19), 'vrrpNice', 'nice of the VRRP process', { status: 'parsed-and-kept' }),
  kw('checker_priority', int(-20, 19), 'checkerNice', 'nice of the checker process', { status: 'parsed-and-kept' }),
  kw('lvs_flush', flag, 'lvsFlush', 'flush the IPVS table at start'),
  kw('lvs_flush_on_stop', { type: 'custom', args: [0, 1] }, 'lvsFlushOnStop', 'flush IPVS at stop (optionally only `VS`)'),
  kw('script_user', { type: 'custom', args: [1, 2] }, 'scriptUser', 'default `USER [GROUP]` for scripts'),
  kw('enable_script_security', flag, 'enableScriptSecurity', 'refuse scripts writable by non-root'),
  kw('notify_fifo', words, 'notifyFifo', 'FIFO receiving all state events'),
  kw('notify_fifo_script', words, 'notifyFifoScript', 'reader started for notify_fifo'),
  kw('vrrp_notify_fifo', words, 'vrrpNotifyFifo', 'FIFO receiving VRRP events'),
  kw('vrrp_notify_fifo_script', words, 'vrrpNotifyFifoScript', 'reader started for vrrp_notify_fifo'),
  kw('lvs_notify_fifo', words, 'lvsNotifyFifo', 'FIFO receiving checker events'),
  kw('lvs_notify_fifo_script', words, 'lvsNotifyFifoScript', 'reader started for lvs_notify_fifo'),
  kw('vrrp_notify_priority_changes', flag, 'vrrpNotifyPriorityChanges', 'priority events on FIFOs'),
  kw('dynamic_interfaces', { type: 'custom', args: [0, 1] }, 'dynamicInterfaces', 'allow missing interfaces (`allow_if_changes`)'),
  kw('vrrp_startup_delay', secs(0, 3600), 'vrrpStartupDelayMs', 'delay before VRRP starts (0)'),
  kw('default_interface', str, 'defaultInterface', 'device for static addresses without dev'),
  kw('log_unknown_vrids', flag, 'logUnknownVrids', 'log adverts for VRIDs we do not run'),
  kw('lvs_sync_daemon', { type: 'custom', args: [1, Infinity] }, '', 'IPVS connection sync daemon `IF [VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`, master/backup following the instance (src/lvs/sync-daemon.ts)', { keptWords: true }),
  kept('lvs_timeouts', [1, 6], 'IPVS timeouts `[tcp S] [tcpfin S] [udp S]`'),
  kept('vrrp_iptables', [0, 2], 'iptables chains for no_accept'),
  kept('vrrp_ipsets', [0, 5], 'ipset names for no_accept'),
  kept('nftables', [0, 1], 'nftables table for no_accept'),
  kept('nftables_priority', [1, 1], 'nftables chain priority'),
  kept('nftables_counters', [0, 0], 'nftables rule counters'),
  kept('nftables_ifindex', [0, 0], 'nftables interface index matching'),
  kept('vrrp_garp_extra_if', [1, 2], 'periodic GARP on other interfaces `[all] SECS`'),
  kept('max_auto_priority', [0, 1], 'realtime priority cap'),
  kept('min_auto_priority_delay', [1, 1], 'delay before realtime priority'),
  kept('vrrp_no_swap', [0, 0], 'lock VRRP process memory'),
  kept('checker_no_swap', [0, 0], 'lock checker process memory'),
  kept('vrrp_rt_priority', [1, 1], 'VRRP realtime priority'),
  kept('checker_rt_priority', [1, 1], 'checker realtime priority'),
  kept('child_wait_time', [1, 1], 'parent waits for children on exit'),
  kept('vmac_prefix', [1, 1], 'VMAC interface name prefix'),
  kept('vmac_addr_prefix', [1, 1], 'VMAC address-interface prefix'),
  kept('fifo_write_vrrp_states_on_reload', [0, 0], 're-emit states to FIFO on reload'),
  kept('rs_init_notifies', [0, 0], 'notify initial real server states'),
  kept('no_checker_emails', [0, 0], 'no checker mails'),
  kept('umask', [1, 1], 'umask for created files'),
  kept('random_seed', [1, 1], 'seed of the random generator'),
  kept('use_pid_dir', [0, 0], 'pid files in /run/keepalived'),
  kept('instance', [1, 1], 'instance name for multi-instance hosts'),
  kept('process_names', [0, 0], 'name the child processes'),
  kept('vrrp_rx_bufs_policy', [1, Infinity], 'receive buffer sizing'),
  kept('vrrp_rx_bufs_multiplier', [1, 1], 'receive buffer multiplier'),
  nsy('net_namespace', 'run inside a network namespace'),
  nsy('net_namespace_ipvs', 'IPVS in a network namespace'),
  nsy('namespace_with_ipsets', 'ipsets in the namespace'),
  nsy('enable_snmp_vrrp', 'SNMP VRRP MIB'),
  nsy('enable_snmp_keepalived', 'SNMP keepalived MIB'),
  nsy('enable_snmp_checker', 'SNMP checker MIB'),
  nsy('enable_snmp_rfc', 'SNMP RFC MIBs'),
  nsy('enable_snmp_rfcv2', 'SNMP VRRPv2 MIB'),
  nsy('enable_snmp_rfcv3', 'SNMP VRRPv3 MIB'),
  nsy('enable_traps', 'SNMP traps'),
  nsy('snmp_socket', 'AgentX socket'),
  nsy('enable_dbus', 'D-Bus interface'),
  nsy('dbus_service_name', 'D-Bus service name'),
  nsy('linkbeat_use_polling', 'poll link state (MII/ethtool)'),
  nsy('linkbeat_interfaces', 'poll link state per interface', true),
  nsy('reload_check_config', 'check config before reload'),
  nsy('reload_time_file', 'scheduled reload'),
  nsy('config_save_dir', 'save config on reload'),
  kw('json_version', int(1, 2), 'jsonVersion', 'layout of keepalived.json (`ctl dump json`): 1 a bare array of instances, 2 `{"vrrp": [...]}` (1)'),
  kw('drain_schedule', { type: 'custom', args: [4, 6] }, '', 'keepalived-ts: drain window `REAL_SERVER "CRON" duration SECONDS [timezone TZ]` (REAL_SERVER as for ctl drain)', { keptWords: true }),
  kw('maintenance_schedule', { type: 'custom', args: [4, 6] }, '', 'keepalived-ts: maintenance window `INSTANCE "CRON" duration SECONDS [timezone TZ]`', { keptWords: true }),
];

// ---------------------------------------------------------------- vrrp_script / track_file
const vrrpScript: KeywordSpec[] = [
  kw('script', words, 'script', 'command run each interval (quote it when it has arguments)'),
  kw('interval', secs(0.001, DAY), 'intervalMs', 'run period (1)'),
  kw('timeout', secs(0.001, DAY), 'timeoutMs', 'kill and count a failure after this (= interval)'),
  kw('weight', { type: 'weight', min: -253, max: 253 }, 'weight', 'priority change `-253..253 [reverse]` (0: failure means FAULT)'),
  kw('rise', int(1, INT_MAX), 'rise', 'successes needed to become OK (1)'),
  kw('fall', int(1, INT_MAX), 'fall', 'failures needed to become KO (1)'),
  kw('user', { type: 'custom', args: [1, 2] }, 'user', 'run as `USER [GROUP]`'),
  kw('init_fail', flag, 'initFail', 'start in the failed state'),
];

const trackFile: KeywordSpec[] = [
  kw('file', str, 'path', 'path of the file holding a number'),
  kw('weight', { type: 'weight', min: -254, max: 254 }, 'weight', 'multiplier `-254..254 [reverse]` (1)'),
  kw('init_file', { type: 'custom', args: [0, 2] }, 'initFile', 'create the file `[VALUE] [overwrite]`'),
];

// ---------------------------------------------------------------- vrrp_instance
const trackBlocks = (what: string): KeywordSpec[] => [
  kw('track_interface', { type: 'custom', args: [0, 0], block: true }, 'trackInterfaces', `interfaces ${what}: \`IF [weight -253..253 [reverse|noreverse]]\``),
  kw('track_script', { type: 'custom', args: [0, 0], block: true }, 'trackScripts', `vrrp_scripts ${what}: \`NAME [weight -253..253] [reverse|noreverse]\``),
  kw('track_file', { type: 'custom', args: [0, 0], block: true }, 'trackFiles', `track_files ${what}: \`NAME [weight -254..254] [reverse|noreverse]\``),
  nsy('track_process', 'process-count tracking', true),
  nsy('track_bfd', 'BFD session tracking', true),
];
const notifyKeywords = (): KeywordSpec[] => [
  kw('notify_master', script, 'notifyMaster', 'run on entering MASTER `SCRIPT [USER [GROUP]]`'),
  kw('notify_backup', script, 'notifyBackup', 'run on entering BACKUP'),
  kw('notify_fault', script, 'notifyFault', 'run on entering FAULT'),
  kw('notify_stop', script, 'notifyStop', 'run on stop'),
  kw('notify', script, 'notify', 'run on every transition with TYPE NAME STATE PRIORITY appended'),
  kw('smtp_alert', flag, 'smtpAlert', 'mail on transitions'),
  kw('notify_priority_changes', flag, 'notifyPriorityChanges', 'priority events on the FIFO'),
];

const vrrpInstance: KeywordSpec[] = [
  kw('state', { type: 'enum', values: ['MASTER', 'BACKUP'] }, 'state', 'initial state (BACKUP; MASTER when priority is 255)'),
  kw('interface', str, 'interface', 'advert interface and default VIP device'),
  kw('virtual_router_id', int(1, 255), 'virtualRouterId', 'VRID (required)'),
  kw('priority', int(1, 255), 'priority', 'base priority (100); 255 = address owner'),
  kw('advert_int', secs(0.01, 255), 'advertIntervalMs', 'advert interval: v2 whole seconds, v3 0.01..40.95 (1)'),
  kw('version', int(2, 3), 'version', 'VRRP version (global vrrp_version; IPv6 forces 3)'),
  kw('nopreempt', flag, 'nopreempt', 'never take over from a live lower-priority master'),
  kw('preempt', flag, 'preempt', 'backwards-compatible no-op', { status: 'parsed-and-kept' }),
  kw('preempt_delay', secs(0, 1000), 'preemptDelayMs', 'wait before preempting (0)'),
  kw('authentication', { type: 'block', block: 'authentication', args: [0, 0] }, 'authentication', 'VRRPv2 PASS/AH authentication'),
  kw('virtual_ipaddress', { type: 'custom', args: [0, 0], block: true }, 'virtualIpaddress', 'VIPs: `IP[/LEN] [brd IP] [dev IF] [scope S] [label L] ...`'),
  kw('virtual_ipaddress_excluded', { type: 'custom', args: [0, 0], block: true }, 'virtualIpaddressExcluded', 'VIPs managed but not advertised'),
  kw('no_virtual_ipaddress', flag, 'noVirtualIpaddress', 'allow an instance without VIPs'),
  kw('virtual_routes', { type: 'lines' }, 'virtualRoutes', 'routes added on MASTER, removed on leaving it: `[blackhole|unreachable|prohibit|throw] [src IP] [to] PREFIX|default [via|gw IP] [dev IF] [table N] [metric N] [scope S] [no_track]` (src/vips/routes.ts)'),
  kw('virtual_rules', { type: 'lines' }, 'virtualRules', 'policy rules added on MASTER, removed on leaving it: `[from P|all] [to P|all] table N|blackhole|unreachable|prohibit|nop [priority N] [iif IF] [oif IF] [fwmark N[/M]] [no_track]`'),
  kw('promote_secondaries', flag, 'promoteSecondaries', 'set promote_secondaries on the interface'),
  kw('unicast_src_ip', ip, 'unicastSrcIp', 'source of unicast adverts'),
  kw('unicast_peer', { type: 'custom', args: [0, 0], block: true }, 'unicastPeer', 'unicast advert destinations `IP [min_ttl N] [max_ttl N]`'),
  kw('unicast_ttl', int(1, 255), 'unicastTtl', 'TTL of unicast adverts (255)'),
  kw('check_unicast_src', flag, 'checkUnicastSrc', 'accept adverts only from peers'),
  kw('unicast_fault_no_peer', flag, 'unicastFaultNoPeer', 'FAULT when there are no peers'),
  kw('mcast_src_ip', ip, 'mcastSrcIp', 'source of multicast adverts'),
  kw('mcast_dst_ip', ip, 'mcastDstIp', 'multicast group for this instance'),
  kw('track_src_ip', flag, 'trackSrcIp', 'FAULT when the source address disappears'),
  kw('dont_track_primary', flag, 'dontTrackPrimary', 'do not go FAULT when the own interface goes down'),
  kw('lvs_self_balancing', flag, 'lvsSelfBalancing', 'keepalived-ts: self-balancing DR tier (VIP on lo and IPVS services out of the table while BACKUP)'),
  kw('lvs_self_balancing_set_sysctl', flag, 'lvsSelfBalancingSetSysctl', 'keepalived-ts: set arp_ignore=1 / arp_announce=2 on the interface instead of only warning'),
  ...trackBlocks('tracked'),
  kw('garp_master_delay', secs(0, DAY), 'garpMasterDelayMs', 'second GARP burst delay (global)'),
  kw('garp_master_repeat', int(0, INT_MAX), 'garpMasterRepeat', 'GARPs per burst (global)'),
  kw('garp_master_refresh', secs(0, DAY), 'garpMasterRefreshMs', 'periodic GARP (global)'),
  kw('garp_master_refresh_repeat', int(0, INT_MAX), 'garpMasterRefreshRepeat', 'GARPs per refresh (global)'),
  kw('garp_lower_prio_delay', secs(0, DAY), 'garpLowerPrioDelayMs', 'GARP delay after a lower advert (global)'),
  kw('garp_lower_prio_repeat', int(0, INT_MAX), 'garpLowerPrioRepeat', 'GARPs after a lower advert (global)'),
  kept('garp_extra_if', [1, 2], 'periodic GARP on other interfaces'),
  kw('use_vmac', { type: 'custom', args: [0, Infinity] }, '', '`[NAME] [MAC]`: a macvlan (mode private, default name vrrp.VRID) with the VRRP virtual MAC 00:00:5e:00:01:VRID carries the VIPs and the adverts (src/vips/vmac.ts)', { keptWords: true }),
  kw('vmac_xmit_base', flag, 'vmacXmitBase', 'adverts on the base interface with use_vmac'),
  kw('accept', flag, 'accept', 'accept traffic to VIPs when not owner (default unless strict); recorded, no packet filter is installed either way'),
  kw('no_accept', flag, 'noAccept', 'drop traffic to VIPs when not owner: recorded, but keepalived-ts installs no iptables/nftables drop rules (warning at load)'),
  kw('skip_check_adv_addr', flag, 'skipCheckAdvAddr', 'skip VIP check of adverts from the same master (global)'),
  kw('strict_mode', flag, 'strictMode', 'strict RFC mode (global vrrp_strict)'),
  kw('lower_prio_no_advert', flag, 'lowerPrioNoAdvert', 'do not answer a lower advert (global)'),
  kw('higher_prio_send_advert', flag, 'higherPrioSendAdvert', 'a MASTER yielding to a higher priority sends one advert first, so the winner hears a lower priority and re-announces the VIPs (global, on; off in strict mode; `higher_prio_send_advert false` to clear)'),
  kw('down_timer_adverts', int(1, 100), 'downTimerAdverts', 'adverts missed before master down (3)'),
  kw('maintenance_schedule', { type: 'custom', args: [3, 5] }, '', 'keepalived-ts: maintenance window `"CRON" duration SECONDS [timezone TZ]` (node-cron, 5 or 6 fields)', { keptWords: true }),
  ...notifyKeywords(),
  kw('notify_deleted', script, 'notifyDeleted', 'run when the instance is removed'),
  kw('notify_master_rx_lower_pri', script, 'notifyMasterRxLowerPri', 'run when MASTER hears a lower advert'),
  kept('lvs_sync_daemon_interface', [1, 1], 'deprecated per-instance form of global lvs_sync_daemon'),
  kept('native_ipv6', [0, 0], 'deprecated: family comes from the VIPs'),
  kept('debug', [0, 1], 'no-op in keepalived 2.x'),
  kept('timer_expired_backup', [0, 1], 'nopreempt helper'),
  nsy('use_ipvlan', 'ipvlan interface for VIPs'),
  nsy('use_vmac_addr', 'VMAC for VIPs on other interfaces'),
  nsy('vrf', 'VRF interface'),
  nsy('auth_hmac', 'HMAC trailer (keepalived 2.4)', true),
  nsy('kernel_rx_buf_size', 'receive buffer size'),
  nsy('old_unicast_checksum', 'pre-2.2 unicast checksum'),
  nsy('v3_checksum_as_v2', 'VRRPv3 checksum compatibility'),
];

const authentication: KeywordSpec[] = [
  kw('auth_type', { type: 'enum', values: ['PASS', 'AH'] }, 'type', 'PASS or AH (v2 only)'),
  kw('auth_pass', str, 'pass', 'password, at most 8 characters (never printed)'),
];

const vrrpSyncGroup: KeywordSpec[] = [
  kw('group', { type: 'list' }, 'group', 'member instances'),
  ...trackBlocks('applied to every member'),
  ...notifyKeywords(),
  kw('sync_group_tracking_weight', flag, 'syncGroupTrackingWeight', 'allow weighted trackers on members'),
  alias('global_tracking', 'sync_group_tracking_weight', flag),
];

// ---------------------------------------------------------------- LVS
// Keywords that real_server and every network checker inherit from the level above.
const inherited = (): KeywordSpec[] => [
  kw('delay_loop', secs(0.000001, DAY * 365), 'delayLoopMs', 'check interval (60)'),
  kw('connect_timeout', secs(0.000001, DAY), 'connectTimeoutMs', 'connect timeout (5)'),
  kw('retry', int(0, INT_MAX), 'retry', 'extra attempts before DOWN (1; MISC 0; DNS 3)'),
  kw('delay_before_retry', secs(0, DAY), 'delayBeforeRetryMs', 'gap between retries (1; HTTP/SSL 3)'),
  kw('warmup', secs(0, DAY), 'warmupMs', 'random delay of the first check (= delay_loop)'),
  kw('alpha', flag, 'alpha', 'start DOWN until the first success'),
];

const virtualServer: KeywordSpec[] = [
  kw('lb_algo', { type: 'enum', values: lvsSchedulers }, 'lbAlgo', 'IPVS scheduler (wlc)'),
  alias('lvs_sched', 'lb_algo', { type: 'enum', values: lvsSchedulers }),
  kw('lb_kind', { type: 'custom', args: [1, Infinity] }, 'lbKind', 'forwarding `NAT|DR|TUN [tunnel options]` (NAT)'),
  alias('lvs_method', 'lb_kind', { type: 'custom', args: [1, Infinity] }),
  kw('protocol', { type: 'enum', values: ['TCP', 'UDP', 'SCTP'] }, 'protocol', 'TCP, UDP or SCTP (TCP)'),
  kw('persistence_timeout', { type: 'custom', args: [0, 1] }, 'persistenceTimeoutSec', 'persistent service; bare keyword = 360 s'),
  kw('persistence_granularity', str, 'persistenceGranularity', 'persistence netmask'),
  kw('persistence_engine', str, 'persistenceEngine', 'persistence engine (sip)', { status: 'parsed-and-kept' }),
  kw('quorum', int(1, UINT), 'quorum', 'minimum live weight (1)'),
  kw('hysteresis', int(0, UINT), 'hysteresis', 'quorum flap damper (0)'),
  kw('quorum_up', script, 'quorumUp', 'run on quorum gain'),
  kw('quorum_down', script, 'quorumDown', 'run on quorum loss'),
  kw('omega', flag, 'omega', 'run quorum_down/notify_down at shutdown'),
  kw('ha_suspend', flag, 'haSuspend', 'suspend checks while the VIP is elsewhere'),
  kw('inhibit_on_failure', flag, 'inhibitOnFailure', 'weight 0 instead of removal on failure'),
  kw('sorry_server', { type: 'custom', args: [1, 2] }, 'sorryServer', 'server used when quorum is lost `IP [PORT]`'),
  kw('sorry_server_inhibit', flag, 'sorryServerInhibit', 'keep the sorry server at weight 0'),
  kept('sorry_server_lvs_method', [1, Infinity], 'forwarding of the sorry server'),
  kw('virtualhost', str, 'virtualhost', 'default Host: for HTTP/SSL checks'),
  kw('smtp_alert', flag, 'smtpAlert', 'mail on quorum change'),
  kw('weight', int(0, INT_MAX), 'weight', 'default real server weight (1)'),
  kw('ip_family', { type: 'enum', values: ['inet', 'inet6'] }, 'ipFamily', 'address family of a fwmark service'),
  kept('ops', [0, 0], 'one-packet scheduling'),
  kept('hashed', [0, 0], 'scheduler flag'),
  kept('flag-1', [0, 0], 'scheduler flag 1'),
  kept('flag-2', [0, 0], 'scheduler flag 2'),
  kept('flag-3', [0, 0], 'scheduler flag 3'),
  kept('sh-port', [0, 0], 'sh scheduler flag'),
  kept('sh-fallback', [0, 0], 'sh scheduler flag'),
  kept('mh-port', [0, 0], 'mh scheduler flag'),
  kept('mh-fallback', [0, 0], 'mh scheduler flag'),
  kept('snmp_name', [1, 1], 'SNMP name'),
  ...inherited(),
  kw('real_server', { type: 'block', block: 'real_server', args: [1, 2] }, 'realServers', 'a backend `IP [PORT]`'),
];

const realServer: KeywordSpec[] = [
  kw('weight', int(0, INT_MAX), 'weight', 'IPVS weight (VS weight, 1)'),
  kw('inhibit_on_failure', flag, 'inhibitOnFailure', 'weight 0 instead of removal (VS value)'),
  kw('notify_up', script, 'notifyUp', 'run when the server comes up'),
  kw('notify_down', script, 'notifyDown', 'run when the server goes down'),
  kw('uthreshold', int(0, INT_MAX), 'uthreshold', 'IPVS upper connection threshold', { status: 'parsed-and-kept' }),
  kw('lthreshold', int(0, INT_MAX), 'lthreshold', 'IPVS lower connection threshold', { status: 'parsed-and-kept' }),
  kw('virtualhost', str, 'virtualhost', 'Host: for HTTP/SSL checks (VS value)'),
  kw('smtp_alert', flag, 'smtpAlert', 'mail on up/down'),
  kw('drain_schedule', { type: 'custom', args: [3, 5] }, '', 'keepalived-ts: drain window `"CRON" duration SECONDS [timezone TZ]` (node-cron, 5 or 6 fields)', { keptWords: true }),
  kept('lvs_method', [1, Infinity], 'per-server forwarding'),
  kept('snmp_name', [1, 1], 'SNMP name'),
  ...inherited(),
  ...checkerTypes.map((t) =>
    kw(t, { type: 'block', block: t, args: [0, 0] }, 'checkers', `${t} health checker`),
  ),
  nsy('BFD_CHECK', 'BFD health checker', true),
];

const checkerCommon = (): KeywordSpec[] => [
  kw('connect_ip', ip, 'connectIp', 'address to probe (real server address)'),
  kw('connect_port', int(1, 65535), 'connectPort', 'port to probe (real server port)'),
  kw('bindto', ip, 'bindto', 'source address'),
  kw('bind_port', int(1, 65535), 'bindPort', 'source port'),
  kw('bind_if', str, 'bindIf', 'source interface (IPv6 link-local)'),
  kw('fwmark', int(0, UINT), 'fwmark', 'SO_MARK of probe sockets'),
  kw('log_all_failures', flag, 'logAllFailures', 'log every failure'),
  ...inherited(),
];
const httpChecker = (): KeywordSpec[] => [
  ...checkerCommon(),
  kw('url', { type: 'block', block: 'url', args: [0, 0] }, 'urls', 'URL to fetch (at least one)'),
  kw('http_protocol', { type: 'enum', values: ['1.0', '1.0C', '1.1'] }, 'httpProtocol', 'HTTP version (1.0)'),
  kw('virtualhost', str, 'virtualhost', 'Host: header (RS/VS value)'),
  kw('fast_recovery', flag, 'fastRecovery', 'check all URLs at once when down'),
  alias('nb_get_retry', 'retry', int(0, INT_MAX)),
];
const url: KeywordSpec[] = [
  kw('path', str, 'path', 'request path (required)'),
  kw('digest', str, 'digest', 'MD5 of the body (32 hex digits)'),
  kw('status_code', { type: 'custom', args: [1, Infinity] }, 'statusCode', 'accepted codes `200 | 200-299 400 ...` (200-299)'),
  kw('virtualhost', str, 'virtualhost', 'Host: for this URL'),
  kept('regex', [1, 1], 'body regular expression'),
  kept('regex_no_match', [0, 0], 'regex must not match'),
  kept('regex_options', [1, Infinity], 'regex options'),
  kept('regex_min_offset', [1, 1], 'regex start offset'),
  kept('regex_max_offset', [1, 1], 'regex end offset'),
  kept('regex_stack', [1, 1], 'regex stack size'),
];

const checkers: Record<CheckerType, KeywordSpec[]> = {
  HTTP_GET: httpChecker(),
  SSL_GET: [
    ...httpChecker(),
    kw('enable_sni', flag, 'enableSni', 'send SNI'),
    kw('sni_name', str, 'sniName', 'SNI name'),
    kw('tls_compliant', flag, 'tlsCompliant', 'TLS close_notify'),
  ],
  TCP_CHECK: checkerCommon(),
  MISC_CHECK: [
    kw('misc_path', words, 'miscPath', 'command; exit 0 = up'),
    kw('misc_timeout', secs(0.000001, DAY), 'miscTimeoutMs', 'kill after (= delay_loop)'),
    kw('misc_dynamic', flag, 'miscDynamic', 'exit 2..255 sets weight exit-2'),
    kw('user', { type: 'custom', args: [1, 2] }, 'user', 'run as `USER [GROUP]`'),
    ...inherited(),
    kw('log_all_failures', flag, 'logAllFailures', 'log every failure'),
  ],
  DNS_CHECK: [
    ...checkerCommon(),
    kw('type', { type: 'enum', values: ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] }, 'dnsType', 'query type (SOA)'),
    kw('name', str, 'dnsName', 'query name (.)'),
  ],
  SMTP_CHECK: [
    ...checkerCommon(),
    kw('helo_name', str, 'heloName', 'HELO name (router_id / host name)'),
    nsy('host', 'deprecated per-host sub-block', true),
  ],
  UDP_CHECK: [
    ...checkerCommon(),
    kept('payload', [1, 1], 'request payload (hex)'),
    kept('require_reply', [0, 1], 'expected reply pattern (hex)'),
    kept('min_reply_length', [1, 1], 'minimum reply length'),
    kept('max_reply_length', [1, 1], 'maximum reply length'),
  ],
  PING_CHECK: checkerCommon(),
  FILE_CHECK: [
    kw('track_file', { type: 'custom', args: [1, 1] }, '', 'the track_file block to follow (required)', { keptWords: true }),
    kept('dynamic', [0, 0], 'no effect: a non-zero weight always adds value x weight to the server weight (keepalived 2.2.7 has no handler for it either)'),
    kw('weight', { type: 'custom', args: [1, 2] }, '', '`N [reverse|noreverse]`: 0 = non-zero value is down, else value x N added to the weight (track_file weight)', { keptWords: true }),
    ...inherited(),
  ],
};

const ssl: KeywordSpec[] = [
  kept('password', [1, 1], 'key password'),
  kept('ca', [1, 1], 'CA file'),
  kept('certificate', [1, 1], 'certificate file'),
  kept('key', [1, 1], 'key file'),
];

/** Every block kind with its keywords: the compatibility list. */
export const keywordTable: Record<BlockKind, readonly KeywordSpec[]> = {
  root,
  global_defs: globalDefs,
  vrrp_script: vrrpScript,
  track_file: trackFile,
  vrrp_instance: vrrpInstance,
  authentication,
  vrrp_sync_group: vrrpSyncGroup,
  virtual_server_group: [],
  virtual_server: virtualServer,
  real_server: realServer,
  url,
  SSL: ssl,
  ...checkers,
};

/** Options on a VIP line (virtual_ipaddress, virtual_ipaddress_excluded), after the address. */
export const vipLineOptions: readonly { word: string; args: number; status: Status; description: string }[] = [
  { word: 'brd', args: 1, status: 'supported', description: 'broadcast address, or + / -' },
  { word: 'dev', args: 1, status: 'supported', description: 'device (instance interface)' },
  { word: 'scope', args: 1, status: 'supported', description: 'global|site|link|host|nowhere or a number' },
  { word: 'label', args: 1, status: 'supported', description: 'address label (e.g. eth0:1)' },
  { word: 'peer', args: 1, status: 'parsed-and-kept', description: 'point-to-point peer' },
  { word: 'use_vmac', args: 0, status: 'parsed-and-kept', description: 'put the address on the VMAC' },
  { word: 'home', args: 0, status: 'parsed-and-kept', description: 'IPv6 home address' },
  { word: '-nodad', args: 0, status: 'parsed-and-kept', description: 'no duplicate address detection' },
  { word: 'nodad', args: 0, status: 'parsed-and-kept', description: 'no duplicate address detection' },
  { word: 'mngtmpaddr', args: 0, status: 'parsed-and-kept', description: 'IPv6 temporary address management' },
  { word: 'noprefixroute', args: 0, status: 'parsed-and-kept', description: 'no prefix route' },
  { word: 'autojoin', args: 0, status: 'parsed-and-kept', description: 'join multicast group' },
  { word: 'no_track', args: 0, status: 'parsed-and-kept', description: 'do not go FAULT when deleted' },
  { word: 'preferred_lft', args: 1, status: 'parsed-and-kept', description: 'preferred lifetime' },
];

export const vipScopes = ['global', 'site', 'link', 'host', 'nowhere'] as const;

/** Index: block kind -> keyword -> spec. */
const index = new Map<BlockKind, Map<string, KeywordSpec>>();
for (const [block, specs] of Object.entries(keywordTable) as [BlockKind, readonly KeywordSpec[]][]) {
  index.set(block, new Map(specs.map((s) => [s.keyword, s])));
}

export function lookupKeyword(block: BlockKind, keyword: string): KeywordSpec | undefined {
  return index.get(block)?.get(keyword);
}

export function isKeyword(block: BlockKind, word: string): boolean {
  return index.get(block)?.has(word) ?? false;
}

/** The current spelling's spec for a keyword, following an alias. */
export function canonicalSpec(block: BlockKind, spec: KeywordSpec): KeywordSpec {
  if (!spec.aliasOf) return spec;
  return lookupKeyword(block, spec.aliasOf) ?? lookupKeyword('global_defs', spec.aliasOf) ?? spec;
}
