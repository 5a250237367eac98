// VRRP timers exactly as keepalived computes them (include/vrrp.h: VRRP_TIMER_SKEW_CALC,
// VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER), in integer MICROSECONDS like keepalived's TIMER_HZ
// (1 000 000), with the same integer truncation. The state machine turns them into fractional
// milliseconds (`usToMs`) for its `now`-in-ms timeline.
//
// RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds; Master_Down_Interval =
//   3 * Advertisement_Interval + Skew_Time.
// RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256;
//   Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time.
// keepalived replaces the 3 by `down_timer_adverts` and uses the EFFECTIVE priority, except that
// an address owner (base priority 255) always uses 255.

export const TIMER_HZ_US = 1_000_000;
/** One centisecond in microseconds (keepalived TIMER_CENTI_HZ). */
export const CENTISECOND_US = 10_000;
/** keepalived's default `down_timer_adverts`. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

export interface TimingParams {
  version: 2 | 3;
  /** Configured base priority (255 = address owner). */
  basePriority: number;
  /** Effective priority after tracking (1..254, or 255 for an owner). */
  effectivePriority: number;
  /** Master_Adver_Interval in centiseconds: for v3 the interval learnt from the master. */
  masterAdverIntCs: number;
  /** keepalived `down_timer_adverts`, default 3. */
  downTimerAdverts?: number;
}

/** The priority the skew is computed from (VRRP_TIMER_SKEW): 255 for an owner, else effective. */
export function skewPriority(p: TimingParams): number {
  return p.basePriority === 255 ? 255 : p.effectivePriority;
}

/**
 * skew_time in microseconds (VRRP_TIMER_SKEW_CALC with 256 - P):
 * v3: (256-P) * (master_adver_int / TIMER_CENTI_HZ) * 625 / 16, i.e. (256-P) * MAI / 256;
 * v2: (256-P) * TIMER_HZ / 256, independent of the advert interval.
 */
export function skewTimeUs(p: TimingParams): number {
  const q = 256 - skewPriority(p);
  if (p.version === 3) return Math.trunc((q * p.masterAdverIntCs * 625) / 16);
  return Math.trunc((q * TIMER_HZ_US) / 256);
}

/** master_down_interval in microseconds (VRRP_MS_DOWN_TIMER): down_timer_adverts * MAI + skew_time. */
export function masterDownIntervalUs(p: TimingParams): number {
  const adverts = p.downTimerAdverts ?? DEFAULT_DOWN_TIMER_ADVERTS;
  return adverts * p.masterAdverIntCs * CENTISECOND_US + skewTimeUs(p);
}

/** Advertisement interval in microseconds from centiseconds. */
export function advertIntervalUs(advertIntCs: number): number {
  return advertIntCs * CENTISECOND_US;
}

export function usToMs(us: number): number {
  return us / 1000;
}

/**
 * The v2 advert interval field (whole seconds, 1 byte) for a configured interval in
 * centiseconds: rounded up to whole seconds and at least 1, as keepalived's parser rounds
 * sub-second VRRPv2 intervals (frr-vrrpd.md interop rule 4), capped at 255.
 */
export function v2AdvertIntSec(advertIntCs: number): number {
  return Math.min(255, Math.max(1, Math.ceil(advertIntCs / 100)));
}
