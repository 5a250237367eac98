// Pure mapping of tracker results to what a VRRP instance does with them
// (keepalived/vrrp/vrrp_track.c, keepalived.md section 2.6).
//
//  weight 0          : tracker KO => instance FAULT (with `reverse`: FAULT while OK)
//  weight > 0        : OK => + weight x m, KO => 0           (m = reverse ? -1 : +1)
//  weight < 0        : OK => 0,            KO => + weight x m
//  track_file        : value x weight x m clamped to [-254, 253]; -254 => FAULT;
//                      weight 0: non-zero value => FAULT (reverse: zero value => FAULT)
// The wiring sums `delta` over an instance's trackers onto base priority and clamps to [1, 254]
// (vrrp_set_effective_priority); `fault` from any tracker puts the instance in FAULT.

export interface TrackUse {
  /** Effective weight for this use (track_script per-use weight overrides the script's). */
  weight: number;
  /** `reverse` (per-use reverse/noreverse overrides the script's). */
  reverse?: boolean;
}

export interface TrackEffect {
  /** The instance must be in FAULT because of this tracker. */
  fault: boolean;
  /** Priority delta this tracker contributes now. */
  delta: number;
}

/** vrrp_script / track_interface / track_process / track_bfd: OK/KO + weight -> effect. */
export function effectiveTrackState(ok: boolean, use: TrackUse): TrackEffect {
  const m = use.reverse ? -1 : 1;
  if (use.weight === 0) return { fault: use.reverse ? ok : !ok, delta: 0 };
  if (use.weight > 0) return { fault: false, delta: ok ? use.weight * m : 0 };
  return { fault: false, delta: ok ? 0 : use.weight * m };
}

/** track_file: the file's value through weight/reverse (update_track_file_status). */
export function trackFileStatus(value: number, use: TrackUse): TrackEffect {
  const m = use.reverse ? -1 : 1;
  if (use.weight === 0) {
    const bad = use.reverse ? value === 0 : value !== 0;
    return { fault: bad, delta: 0 };
  }
  let s = value * use.weight * m;
  if (s < -254) s = -254;
  else if (s > 253) s = 253;
  if (s === -254) return { fault: true, delta: 0 };
  return { fault: false, delta: s };
}

/** Sum of effects onto a base priority, clamped to [1, 254]; 255 (address owner) never moves. */
export function effectivePriority(base: number, effects: Iterable<TrackEffect>): { priority: number; fault: boolean } {
  let total = base;
  let fault = false;
  for (const e of effects) {
    total += e.delta;
    fault ||= e.fault;
  }
  if (base === 255) return { priority: 255, fault };
  return { priority: total < 1 ? 1 : total >= 255 ? 254 : total, fault };
}

/** IPVS_WEIGHT_FAULT (keepalived ip_vs.h): INT32_MIN, the "file says down" value. */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * FILE_CHECK in a real server (keepalived/check/check_file.c, track_file.c
 * process_update_checker_track_file_status): the file's value through the checker's weight
 * (default: the track_file block's weight and reverse).
 *  weight 0 : a non-zero value takes the checker DOWN (reverse: a zero value does); no weight.
 *  weight w : value x w (x -1 with reverse), clamped to 32 bits, is ADDED to the real server's
 *             weight (cur_weight onto effective_weight); only a product at or below INT32_MIN
 *             takes the checker down.
 */
export function fileCheckStatus(value: number, use: TrackUse): { down: boolean; delta: number } {
  const m = use.reverse ? -1 : 1;
  if (use.weight === 0) return { down: use.reverse ? value === 0 : value !== 0, delta: 0 };
  let s = value * use.weight * m;
  if (s <= INT32_MIN) return { down: true, delta: 0 };
  if (s > INT32_MAX) s = INT32_MAX;
  return { down: false, delta: s === 0 ? 0 : s }; // no -0
}
