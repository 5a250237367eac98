// The VRRP core's public surface, for the transport / instance adapter / daemon built around it.
// Everything here is pure: no sockets, timers, clock or process access.
//
// How an adapter drives one instance (see fsm.ts for the full contract):
//   let s = initialState(makeConfig({...}).config);
//   s = feed(s, { type: 'trackers', now, trackers });          // initial tracker states (silent)
//   s = feed(s, { type: 'start', now: clock.now() });
//   on packet:  r = receiveAdvert(payload, meta, rxCfg, s.masterAddr)
//               r.ok ? feed(s, { type: 'advert', now, advert: r.advert, src: meta.src }) : countDrop(drops, r.reason)
//   on timer:   feed(s, { type: 'timer', now, kind, token })   // tokens come from set_timer actions
//   on SIGTERM: feed(s, { type: 'stop', now, handover: true }) and exit after every `stopped` action
// where feed() runs step() and performs its actions in order: send_advert (encodeAdvert with the
// instance's VIPs/auth, TTL 255, to 224.0.0.18 / ff02::12 or the unicast peers), set_timer /
// cancel_timer (one Clock timer per kind, replaced on set), add_vips / remove_vips, garp,
// notify, notify_master_rx_lower_pri, log (level 'detail' only with -D), stopped.
// Sync-group members go through stepGroup() instead of step().

export { type IpBytes, type IpFamily, parseIp, parseIpv4, parseIpv6, ip, formatIp, compareIp, ipEquals, familyOf } from './addr.ts';
export { internetChecksum, pseudoHeader, IPPROTO_VRRP } from './checksum.ts';
export {
  type VrrpAdvert,
  type EncodeParams,
  type RxMeta,
  type DecodeOptions,
  type DecodeResult,
  type RxCheckConfig,
  type CheckResult,
  type DropReason,
  type DropCounters,
  type AuthType,
  encodeAdvert,
  decodeAdvert,
  checkAdvert,
  receiveAdvert,
  authPassBytes,
  newDropCounters,
  countDrop,
  DROP_REASONS,
  AUTH_NONE,
  AUTH_PASS,
  AUTH_AH,
  VRRP_TTL,
  VRRP_MCAST_V4,
  VRRP_MCAST_V6,
  VRRP_TYPE_ADVERT,
} from './packet.ts';
export {
  type TimingParams,
  skewTimeUs,
  masterDownIntervalUs,
  advertIntervalUs,
  skewPriority,
  usToMs,
  v2AdvertIntSec,
  TIMER_HZ_US,
  CENTISECOND_US,
  DEFAULT_DOWN_TIMER_ADVERTS,
} from './timing.ts';
export { type TrackerState, type PriorityResult, effectivePriority } from './priority.ts';
export {
  type VrrpStateName,
  type TimerKind,
  type NotifyState,
  type SyncDirective,
  type GarpConfig,
  type InstanceConfig,
  type InstanceConfigInput,
  type TimerSlot,
  type InstanceCounters,
  type InstanceState,
  type VrrpEvent,
  type VrrpAction,
  type StepResult,
  DEFAULT_GARP,
  makeConfig,
  initialState,
  step,
  timingOf,
  masterDownIntervalMs,
  skewTimeMs,
  advertPriority,
  isFaulted,
  handoverBoundMs,
} from './fsm.ts';
export { type SyncGroupConfig, type GroupAction, type GroupStepResult, stepGroup, canGotoMaster, allClear } from './sync-group.ts';
